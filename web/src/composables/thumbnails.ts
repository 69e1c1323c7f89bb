// Thumbnails of evidence photos, by attachment id, for the evidence file lists and the 公示 photo picker.
// The download routes take the token in a header, so each thumbnail is fetched into a blob: URL by
// `load` (api/evidence.ts's blobUrl: once per page, shared by every list that shows the photo, so no
// list revokes it). A thumbnail that cannot be loaded is left out and the file's name is shown alone;
// it is tried again when the attachments change.
import { ref, watch, type WatchSource } from 'vue';

/** What a thumbnail needs of an attachment (api/evidence.ts's Attachment). */
export interface WithThumbnail {
  id: string;
  thumbnailUrl: string | null;
}

/** The thumbnails of the attachments `source` gives (undefined ones skipped), loaded as they appear. */
export function useThumbnails(
  source: WatchSource<readonly (WithThumbnail | undefined)[]>,
  load: (path: string) => Promise<string>,
) {
  const thumbs = ref<Record<string, string>>({});
  watch(
    source,
    (attachments) => {
      for (const a of attachments)
        if (a?.thumbnailUrl && !thumbs.value[a.id])
          void load(a.thumbnailUrl)
            .then((u) => {
              thumbs.value[a.id] = u;
            })
            .catch(() => undefined);
    },
    { immediate: true },
  );
  return thumbs;
}
