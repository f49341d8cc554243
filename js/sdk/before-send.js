// `init({ beforeSend })`: the site's own rules between an event and the wire (seed 004: the
// built-in scrubbing cannot know a site's internal tokens or id schemes). The core hands each
// new event's JSON text to the function made here, which shows the site's hook the event as a
// fresh object and gives the core back the final JSON text, or null to drop it. What the hook returns is
// checked by identify()'s own rules and scrubbed again (the core's `explainIdentify`); the
// protocol's fields cannot be changed. A hook that throws or returns what cannot be sent loses
// only that event, and each distinct problem is reported once through debug/onError.
import { SessionSightValidationError } from './errors.js';
import { snapshot } from './payload.js';

/** Fields the SDK owns: a hook may not change them. */
const PROTOCOL = ['type', 'messageId', 'timestamp', 'visitorId', 'sessionId', 'previousSessionId', 'reason'];
/** Fields of an identify event the hook may rewrite or remove. */
const CALLER = ['id', 'email', 'customProperties'];

/**
 * `hook` is the site's beforeSend, `explain(payload)` the core's identify() checks
 * (`{ error, dropped }`), `report(error)` debug/onError. Returns the function the core calls.
 */
export function screenEvents(hook, explain, report) {
  const seen = new Set();
  const drop = (error) => {
    if (!seen.has(error.message)) {
      seen.add(error.message);
      report(error);
    }
    return null;
  };
  const refuse = (message, code, field) => drop(new SessionSightValidationError(`SessionSight beforeSend: ${message}`, code, field));

  return (json) => {
    const fixed = JSON.parse(json); // as the core made it, whatever the hook does to its copy
    let out;
    try {
      out = hook(JSON.parse(json));
    } catch (e) {
      return drop(e instanceof Error ? e : Error(`SessionSight beforeSend threw ${String(e)}`));
    }
    try {
      if (out === null) return null; // the site's decision: nothing to report
      if (!out || typeof out !== 'object' || Array.isArray(out) || typeof out.then === 'function') {
        return refuse('must return the event or null, synchronously', 'not_an_object', 'payload');
      }
      // Changed, removed or added: only an identify's caller fields may differ.
      const field = Object.keys(out).concat(PROTOCOL).find((k) => (PROTOCOL.includes(k) ? out[k] !== fixed[k] : fixed.type !== 'identify' || !CALLER.includes(k)));
      if (field) return refuse(`cannot change ${field}`, 'protocol_field', field);
      // The wire form again, in the core's key order: the protocol's fields as they were.
      const wire = {};
      for (const k of Object.keys(fixed)) if (PROTOCOL.includes(k)) wire[k] = fixed[k];
      if (fixed.type === 'identify') {
        const custom = snapshot(out.customProperties || {});
        if (typeof custom !== 'object' || Array.isArray(custom)) return refuse('customProperties must be a plain object', 'not_an_object', 'customProperties');
        // identify()'s payload (custom keys named id or email cannot travel as such: dropped).
        const payload = { ...custom, id: out.id, email: out.email };
        const { error, dropped } = explain(payload);
        if (error) return refuse(error.message, error.code, error.field);
        // As the core writes them: an integer id as text, the email trimmed and lower-cased,
        // absent values skipped, PII dropped.
        if (payload.id != null) wire.id = String(payload.id);
        if (payload.email != null) wire.email = payload.email.toLowerCase().trim();
        const gone = dropped.map((d) => d.key).concat('id', 'email');
        wire.customProperties = {};
        for (const k of Object.keys(custom)) if (custom[k] != null && !gone.includes(k)) wire.customProperties[k] = custom[k];
      }
      return JSON.stringify(wire);
    } catch (e) {
      // A getter or Proxy trap of what the hook returned threw.
      return refuse('its result could not be read', 'payload_unreadable', 'payload');
    }
  };
}
