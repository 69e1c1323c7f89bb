// The unread notice count shown in the header: fetched on sign-in, on each navigation and every
// minute while the page is open; the inbox refreshes it after marking notices read.
import { ref } from 'vue';
import { api, call } from '../api/client.ts';

export const unreadNotices = ref(0);

export async function refreshUnread() {
  try {
    unreadNotices.value = (await call(api.GET('/api/v1/notices/unread-count'))).unread;
  } catch {
    /* the badge keeps its last figure; the inbox says the error */
  }
}
