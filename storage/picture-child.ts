// The picture work's own process (see picture-process.ts): lowest CPU priority first, so libvips'
// threads, created later, inherit it; then one request at a time from the parent over IPC.
import { setPriority } from 'node:os';

try {
  setPriority(19);
} catch {
  /* not permitted: runs at normal priority */
}
const { processPicture } = await import('./photo.ts');

process.on('message', (msg: { id: number; path: string; thumbPath: string; contentType: string }) => {
  processPicture(msg.path, msg.thumbPath, msg.contentType).then(
    (facts) => process.send!({ id: msg.id, facts }),
    (err: Error) => process.send!({ id: msg.id, error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
