// The network as the page sees it: online or not, and whether what is on screen came from the service
// worker's saved answers (sw.js marks those with x-zhenggai-cached) rather than from the server.
import { reactive } from 'vue';

export const network = reactive({ online: navigator.onLine, cachedAt: null as string | null });

/** Called for every API answer: a saved one sets the time it was saved, a fresh one clears it. */
export function sawResponse(r: Response) {
  const cached = r.headers.get('x-zhenggai-cached');
  network.cachedAt = cached === null ? null : cached || new Date(0).toUTCString();
}

window.addEventListener('online', () => {
  network.online = true;
});
window.addEventListener('offline', () => {
  network.online = false;
});
