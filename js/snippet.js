// The async snippet for site owners, inlined in a page before anything else. It defines a
// stub window.SessionSight whose calls are queued (init and flush return promises) and
// loads the real script, which replays them in order. Minified copy: README and www/.
!function (w, d, src) {
  var q = [], s = w.SessionSight = w.SessionSight || { _q: q };
  if (s._q !== q) return;
  ['init', 'identify', 'setConsent', 'reset', 'flush', 'getVisitorId', 'getSessionId'].forEach(function (m) {
    s[m] = function () {
      var a = [].slice.call(arguments);
      if (m == 'init' || m == 'flush') return new Promise(function (r, j) { q.push([m, a, [r, j]]); });
      q.push([m, a]);
      return m[0] == 'g' ? '' : void 0;
    };
  });
  var e = d.createElement('script');
  e.async = 1;
  e.src = src;
  d.head.appendChild(e);
}(window, document, '/dist/sessionsight.js');
