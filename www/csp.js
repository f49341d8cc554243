// The page script of csp.html (no inline code under a strict CSP): initialise, identify,
// flush, then mark the body data-done="1", or data-error with the reason init failed.
SessionSight.init({ apiKey: 'pk_csp', filterBots: false, flushIntervalMs: 100 })
  .then(function () {
    SessionSight.identify({ id: 'user_csp', plan: 'strict' });
    return SessionSight.flush();
  })
  .then(function () {
    document.body.dataset.done = '1';
  }, function (e) {
    document.body.dataset.error = String((e && e.message) || e);
  });
