// A stand-in for the app's session store: the signed-in user as the backend would return it.
export const currentUser = Object.freeze({ id: 'user_spa', email: 'spa@example.com', plan: 'pro' });

export function getCurrentUser() {
  return currentUser;
}
