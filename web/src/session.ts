// Who is signed in: the bearer token and the user, kept in localStorage so a reload stays signed in.
import { reactive } from 'vue';
import type { components } from './api/schema';

export type Me = components['schemas']['Me'];
export type Role = 'admin' | 'supervisor' | 'lead' | 'handler' | 'inspector' | 'viewer';

const KEY = 'zhenggai.session';

function load(): { token: string | null; user: Me | null } {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) return JSON.parse(raw);
  } catch {
    /* a broken entry means signed out */
  }
  return { token: null, user: null };
}

export const session = reactive(load());

export function signIn(token: string, user: Me) {
  session.token = token;
  session.user = user;
  localStorage.setItem(KEY, JSON.stringify({ token, user }));
}

export function signOutLocally() {
  session.token = null;
  session.user = null;
  localStorage.removeItem(KEY);
  // The service worker forgets the API answers it kept for offline reading (sw.js).
  navigator.serviceWorker?.controller?.postMessage('sign-out');
}

export const hasRole = (...roles: Role[]) => !!session.user && roles.some((r) => session.user!.roles.includes(r));
