// The async snippet for site owners, inlined in a page before anything else. It defines a
// stub window.SessionSight with everything the global type promises: calls that change state
// are queued (init and flush return promises), getters answer as the SDK would before init(),
// validate/explain need the SDK and say so; it loads the real script, which replays the queue
// in order. If the script cannot load (blocked, offline), init() rejects and flush() resolves,
// now and later, without an unhandled rejection for a site that does not catch. Minified copy
// (npx esbuild js/snippet.js --minify): README and www/snippet.html.
!function (w, d, src) {
  var q = [], s = w.SessionSight = w.SessionSight || { _q: q }, failed;
  if (s._q !== q) return;
  ['init', 'identify', 'setConsent', 'getConsent', 'reset', 'flush', 'getVisitorId', 'getSessionId', 'validate', 'explain'].forEach(function (m) {
    s[m] = function () {
      var a = [].slice.call(arguments), p;
      if (m == 'init' || m == 'flush') {
        p = new Promise(function (r, j) { failed ? (m == 'init' ? j(failed) : r()) : q.push([m, a, [r, j]]); });
        p.catch(function () {});
        return p;
      }
      if (m[0] == 'v' || m[0] == 'e') throw Error('SessionSight: not loaded yet');
      if (m == 'getConsent') {
        // The latest queued setConsent, else init's consent, else the Global Privacy Control default.
        for (var i = q.length, c, o = {}; i--;) q[i][0] == 'setConsent' ? c = c || q[i][1][0] : q[i][0] == 'init' && (o = q[i][1][0] || o);
        return c || o.consent || (o.respectGpc !== false && navigator.globalPrivacyControl ? 'denied' : 'granted');
      }
      if (m[0] == 'g') return '';
      q.push([m, a]);
    };
  });
  var e = d.createElement('script');
  e.async = 1;
  e.src = src;
  e.onerror = function () {
    failed = Error('SessionSight: ' + src + ' did not load');
    q.forEach(function (c) { if (c[2]) c[0] == 'init' ? c[2][1](failed) : c[2][0](); });
  };
  d.head.appendChild(e);
}(window, document, '/dist/sessionsight.js');
