// The web application's one thumbnail loader (the evidence file lists and the 公示 photo picker): each
// attachment's thumbnail fetched once into a blob: URL, by attachment id, as attachments appear; one that
// fails to load is left out (the list shows the file's name alone) and tried again when the list changes.
import { describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import { useThumbnails, type WithThumbnail } from '../../web/src/composables/thumbnails.ts';

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('useThumbnails', () => {
  it('loads the thumbnails of the attachments given, then of those that appear, each once', async () => {
    const load = vi.fn(async (path: string) => `blob:${path}`);
    const list = ref<(WithThumbnail | undefined)[]>([
      { id: 'a', thumbnailUrl: '/t/a' },
      { id: 'doc', thumbnailUrl: null },
      undefined, // an id without a stored file
    ]);
    const scope = effectScope();
    const thumbs = scope.run(() => useThumbnails(() => list.value, load))!;
    await settle();
    expect(thumbs.value).toEqual({ a: 'blob:/t/a' });
    list.value = [...list.value, { id: 'b', thumbnailUrl: '/t/b' }];
    await nextTick();
    await settle();
    expect(thumbs.value).toEqual({ a: 'blob:/t/a', b: 'blob:/t/b' });
    expect(load.mock.calls.map(([p]) => p)).toEqual(['/t/a', '/t/b']);
    scope.stop();
  });

  it('leaves out a thumbnail that fails to load and tries it again when the attachments change', async () => {
    const load = vi
      .fn<(path: string) => Promise<string>>()
      .mockRejectedValueOnce(new Error('/t/a: HTTP 404'))
      .mockImplementation(async (path) => `blob:${path}`);
    const list = ref<WithThumbnail[]>([{ id: 'a', thumbnailUrl: '/t/a' }]);
    const scope = effectScope();
    const thumbs = scope.run(() => useThumbnails(list, load))!;
    await settle();
    expect(thumbs.value).toEqual({});
    list.value = [{ id: 'a', thumbnailUrl: '/t/a' }];
    await nextTick();
    await settle();
    expect(thumbs.value).toEqual({ a: 'blob:/t/a' });
    scope.stop();
  });
});
