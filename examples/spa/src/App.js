// The app: shows the signed-in user and, once hydrated, starts analytics for them. Written with
// React.createElement so the same module renders on the server (Node) and in the browser.
import { createElement as h, useEffect, useState } from 'react';
import { getCurrentUser } from './store.js';
import { startAnalytics } from './analytics.js';

export default function App() {
  const user = getCurrentUser();
  const [status, setStatus] = useState('server-rendered');
  useEffect(() => {
    let live = true;
    setStatus('hydrated');
    startAnalytics(user).then(
      (visitorId) => { if (live) setStatus(`identified ${visitorId}`); },
      (error) => { if (live) setStatus(`analytics failed: ${error && error.message}`); },
    );
    return () => { live = false; };
  }, [user]);
  return h('main', null,
    h('h1', null, 'SessionSight SPA example'),
    h('p', null, 'Signed in as ', h('strong', { id: 'user' }, user.id), ` (${user.plan})`),
    h('p', { id: 'status' }, status));
}
