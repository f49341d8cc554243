// Bot filtering (init's `filterBots`, on by default): bots, crawlers, monitors, link previews and
// automated browsers are not visitors, and counting them would inflate exactly what this SDK
// measures. A page they load writes and sends nothing. The user-agent words are the most common
// families of isbot's list, which the unit tests use as the oracle; isbot itself would cost the
// page 1.7 KB gzip, this pattern about 0.2 KB. No lookbehind: older engines would fail to parse
// the whole script.
export const BOT_UA = /(^|[^u])bot|crawl|spider|slurp|archive|scrap|headless|phantom|lighthouse|pagespeed|pingdom|monitor|preview|facebookexternal|whatsapp|python|curl|wget|http|java|node\b|axios|selenium|playwright|cypress/i;

/**
 * Why this page looks automated ('' when it does not): WebDriver control
 * (`navigator.webdriver`), a bot or headless user agent, the globals headless tools leave, or
 * one of the site's `patterns` (strings match anywhere, case-insensitively; or RegExps).
 */
export function botReason(nav, win, patterns = []) {
  if (nav.webdriver === true) return 'navigator.webdriver';
  const ua = String(nav.userAgent);
  if (BOT_UA.test(ua) || win._phantom || win.callPhantom || win.__nightmare) return 'a bot or headless browser';
  const low = ua.toLowerCase();
  return patterns.some((p) => (typeof p === 'string' ? low.includes(p.toLowerCase()) : p.test(ua))) ? 'botPatterns' : '';
}

/** `botPatterns` must be an array of strings and RegExps. */
export function validPatterns(patterns) {
  return patterns == null || (Array.isArray(patterns) && patterns.every((p) => typeof p === 'string' || p instanceof RegExp));
}
