// The registry the scenario files fill: `scenario(name, async (b) => { … }, options?)`.
// Options: `hosts: true` (uses www.example.com / shop.example.co.uk; WebKit then maps them in
// /etc/hosts), `expectFail: 'why'` (reported as TODO: runs, may fail, does not fail the run),
// `engines: ['firefox', …]` (only there; an engine difference must say why in a comment),
// `firefoxPrefs: { name: value }` (Firefox preferences for that scenario's browser).
export const scenarios = [];
let area = '';

/** Sets the area (file) the next scenarios belong to; their names are prefixed with it. */
export function setArea(name) { area = name; }

export function scenario(name, fn, options = {}) {
  scenarios.push({ name: area ? `${area}: ${name}` : name, fn, ...options });
}
