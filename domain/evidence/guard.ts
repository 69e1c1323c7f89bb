// The paper sign-off guard (纸面销号): from facts about the evidence an item cites, the warnings
// a reviewer should see. Pure: the runtime gathers the facts (lookups by hash, by perceptual hash,
// the unit's place) and passes `now`; ids for new warnings are derived from their content.
import { endOfDay, instantMs } from '../calendar/calendar.ts';
import { fnv1a32 } from '../item/recheck.ts';
import type { EvidenceWarning, EvidenceWarningCode, ItemState } from '../item/types.ts';

/** dHash distance (bits of 64) at or below which two photos count as the same picture. Measured on
 * generated photos (test/unit/dhash.test.ts): resized to ½ and ¼, recompressed at JPEG q35, PNG,
 * brightened, cropped 2–4 % per side → 0–12; different photos → 19 and more (435 pairs). */
export const NEAR_DUPLICATE_MAX_DISTANCE = 12;
/** "Last minutes before the deadline": evidence all uploaded within this window before the deadline. */
export const LAST_MINUTES = 60;
/** "In bulk": at least this many files in that window. */
export const BULK_MIN_FILES = 3;

interface EvidenceFact {
  attachmentId: string;
  fileName: string;
  uploadedAt: string;
  /** photo | video | document */
  kind: string;
  takenAt: string | null;
  gps: { lat: number; lon: number } | null;
}

interface OtherUse {
  attachmentId: string; // ours
  otherItemId: string;
  otherAttachmentId: string;
  /** Why the other item is someone else's: its unit or household differs. */
  otherUnitName: string | null;
  distance?: number;
}

export interface GuardInput {
  item: ItemState;
  /** The command that cited the evidence: submissions are checked for last-minute bulk uploads. */
  command: 'record_progress' | 'complete_milestone' | 'submit' | 'recheck';
  now: string;
  evidence: EvidenceFact[];
  sameFile: OtherUse[];
  nearDuplicates: OtherUse[];
  /** Where the item's place (its responsible village) is, if known. */
  place: { lat: number; lon: number; radiusM: number } | null;
}

type NewWarning = Omit<EvidenceWarning, 'raisedAt' | 'dismissed'>;

export function guardEvidence(input: GuardInput): NewWarning[] {
  const { item, evidence } = input;
  const out: NewWarning[] = [];
  const add = (
    code: EvidenceWarningCode,
    detail: string,
    attachmentIds: string[],
    related: NewWarning['related'] = [],
  ) => {
    const id = warningId(item.id, code, attachmentIds);
    if ((item.evidenceWarnings ?? []).some((w) => w.id === id) || out.some((w) => w.id === id)) return;
    out.push({ id, code, detail, attachmentIds, related });
  };
  const name = (id: string) => evidence.find((e) => e.attachmentId === id)?.fileName ?? id;

  // One warning per cited file, listing every other item it was found on.
  for (const [mine, uses] of byAttachment(input.sameFile)) {
    add(
      'same_file_elsewhere',
      `佐证材料「${name(mine)}」${otherItems(uses.length, unitList(uses))}使用的文件完全相同`,
      [mine],
      uses.map((u) => ({ itemId: u.otherItemId, attachmentId: u.otherAttachmentId })),
    );
  }
  for (const [mine, uses] of byAttachment(input.nearDuplicates)) {
    const closest = Math.min(...uses.map((u) => u.distance ?? 64));
    add(
      'near_duplicate_photo',
      `照片「${name(mine)}」${otherItems(uses.length, unitList(uses))}的照片高度相似（最小差异 ${closest}/64，阈值 ${NEAR_DUPLICATE_MAX_DISTANCE}）`,
      [mine],
      uses.map((u) => ({ itemId: u.otherItemId, attachmentId: u.otherAttachmentId })),
    );
  }
  for (const e of evidence) {
    if (e.kind !== 'photo') continue;
    if (e.takenAt !== null && instantMs(e.takenAt) < instantMs(item.reportedAt)) {
      add('photo_before_report', `照片「${e.fileName}」拍摄于 ${e.takenAt}，早于问题登记时间 ${item.reportedAt}`, [
        e.attachmentId,
      ]);
    }
    if (e.gps && input.place) {
      const metres = distanceMetres(e.gps, input.place);
      if (metres > input.place.radiusM) {
        add(
          'photo_far_away',
          `照片「${e.fileName}」拍摄地点距事项所在地约 ${(metres / 1000).toFixed(1)} 公里（允许 ${(input.place.radiusM / 1000).toFixed(1)} 公里）`,
          [e.attachmentId],
        );
      }
    }
  }
  if (input.command === 'submit' && item.deadline !== null) {
    const due = instantMs(endOfDay(item.deadline));
    const windowStart = due - LAST_MINUTES * 60_000;
    const late = evidence.filter((e) => instantMs(e.uploadedAt) >= windowStart && instantMs(e.uploadedAt) <= due);
    if (evidence.length >= BULK_MIN_FILES && late.length === evidence.length && instantMs(input.now) <= due) {
      add(
        'last_minute_bulk',
        `申请销号的 ${evidence.length} 份佐证材料均在整改时限（${item.deadline}）前最后 ${LAST_MINUTES} 分钟内集中上传`,
        evidence.map((e) => e.attachmentId),
      );
    }
  }
  return out;
}

function byAttachment(uses: OtherUse[]): Map<string, OtherUse[]> {
  const m = new Map<string, OtherUse[]>();
  for (const u of uses) m.set(u.attachmentId, [...(m.get(u.attachmentId) ?? []), u]);
  return m;
}

const otherItems = (n: number, units: string) => `与其他 ${n} 个事项（${units}）`;
const OTHER_ITEMS = /与其他 (\d+) 个事项（[^）]*）/;

/** A warning as one reader sees it: the other items they cannot open are neither linked nor named (their
 * units are left out of the text); the count stays, as the finding is about this item's evidence. */
export function warningForReader<W extends Pick<EvidenceWarning, 'detail' | 'related'>>(
  w: W,
  canOpen: (itemId: string) => boolean,
): W {
  const related = w.related.filter((r) => canOpen(r.itemId));
  if (related.length === w.related.length) return w;
  const hidden = new Set(w.related.filter((r) => !canOpen(r.itemId)).map((r) => r.itemId)).size;
  const detail = w.detail.replace(
    OTHER_ITEMS,
    (_m, n: string) => `与其他 ${n} 个事项（其中 ${hidden} 个不在您的查看范围内）`,
  );
  return { ...w, related, detail };
}

const unitList = (uses: OtherUse[]) => [...new Set(uses.map((u) => u.otherUnitName ?? '其他单位'))].join('、');

/** One finding per code and cited files: raising it again (a retry, a second citation) adds nothing. */
function warningId(itemId: string, code: string, attachmentIds: string[]): string {
  // FNV, not node:crypto: the domain also runs inside Temporal's workflow sandbox.
  const key = JSON.stringify([itemId, code, [...attachmentIds].sort()]);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return `${code}-${hex(fnv1a32(key))}${hex(fnv1a32(`${key}#`))}`;
}

/** Great-circle distance (haversine), metres. */
export function distanceMetres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Bits that differ between two 64-bit hashes. */
export function hammingDistance(a: bigint, b: bigint): number {
  let x = BigInt.asUintN(64, a ^ b);
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}
