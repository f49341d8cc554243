// The one error type callers catch: identify()/validate()/explain() report a caller bug with it.
// Its own module so the payload snapshot and the API can both build it.

export class SessionSightValidationError extends Error {
  constructor(message, code, field) {
    super(message);
    this.name = 'SessionSightValidationError';
    this.code = code;
    this.field = field;
  }
}

/** Our class from what the wasm core threw or returned (an Error named like ours). */
export function fromCore(e) {
  return new SessionSightValidationError(e.message, e.code, e.field);
}

export function isValidationError(e) {
  return !!e && typeof e === 'object' && e.name === 'SessionSightValidationError';
}

/** A wrong init() option, named like the core's (`SessionSight.init: …`). */
export function configError(message) {
  const e = new Error(`SessionSight.init: ${message}`);
  e.name = 'SessionSightConfigError';
  return e;
}
