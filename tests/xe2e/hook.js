// Served as /xe2e-hook.js, first in <head> of every page the scenarios load. WebKitGTK's
// driver has neither BiDi nor a log endpoint, so the page records its own console messages,
// uncaught errors and unhandled rejections (and CSP violations) for the runner to read back.
// It keeps them in sessionStorage under a non-SDK key so they survive same-origin navigation.
(function () {
  var KEY = 'xe2e:log';
  var get = Storage.prototype.getItem;
  var set = Storage.prototype.setItem;
  var log = (window.__xe2eLog = []);
  window.__violations = [];
  function text(v) {
    try { return v instanceof Error ? v.name + ': ' + v.message + (v.stack ? '\n' + v.stack : '') : typeof v === 'object' ? JSON.stringify(v) : String(v); } catch (e) { return String(v); }
  }
  function push(entry) {
    log.push(entry);
    try {
      var stored = JSON.parse(get.call(sessionStorage, KEY) || '[]');
      stored.push(entry);
      set.call(sessionStorage, KEY, JSON.stringify(stored));
    } catch (e) { /* storage refused: the in-memory copy is read instead */ }
  }
  window.addEventListener('error', function (e) {
    if (e.target && e.target !== window) return; // a failed resource, not a script error
    push({ kind: 'error', level: 'error', text: e.message + (e.error ? ' ' + text(e.error) : '') });
  });
  window.addEventListener('unhandledrejection', function (e) {
    push({ kind: 'rejection', level: 'error', text: 'Unhandled rejection: ' + text(e.reason) });
  });
  ['error', 'warn', 'info', 'log', 'debug'].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      push({ kind: 'console', level: level === 'log' ? 'info' : level, text: [].map.call(arguments, text).join(' ') });
      return original.apply(console, arguments);
    };
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
  }, true);
})();
