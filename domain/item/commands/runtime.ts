// The commands only the runtime sends (actor null; policy.ts refuses them from users): the timers'
// tick, the notifier's record of a notice, the evidence guard's findings.
import { tickEvents } from '../next-wake.ts';
import {
  type DecideContext,
  type Decision,
  EVIDENCE_WARNING_CODES,
  ITEM_DOCUMENT_KINDS,
  type ItemEvent,
  type ItemState,
  NOTICE_KINDS,
} from '../types.ts';
import type { Cmd, Tools } from './tools.ts';

/** Never refused: nothing due is an empty list, not an error. */
export function tick(s: ItemState, _c: Cmd<'tick'>, ctx: DecideContext, t: Tools): Decision {
  return t.ok(...tickEvents(s, t.now, t.actorId, { settings: ctx.settings, calendar: ctx.calendar }));
}

/** Once per cause: a retried or duplicated notifier job records nothing the second time. */
export function recordNotice(s: ItemState, c: Cmd<'record_notice'>, t: Tools): Decision {
  if (!Array.isArray(c.notices) || c.notices.length === 0) return t.invalid('notices', 'at least one notice to record');
  const seen = new Set(s.noticesRecorded ?? []);
  const events: ItemEvent[] = [];
  for (const [i, n] of c.notices.entries()) {
    if (!Number.isInteger(n.causeSeq) || n.causeSeq < 1 || n.causeSeq > s.version) {
      return t.invalid(`notices[${i}].causeSeq`, `must name an event of this item (1..${s.version})`);
    }
    if (!NOTICE_KINDS.includes(n.kind))
      return t.invalid(`notices[${i}].kind`, `must be one of ${NOTICE_KINDS.join(', ')}`);
    if (!Array.isArray(n.recipients) || !Array.isArray(n.channels))
      return t.invalid(`notices[${i}].recipients`, 'recipients and channels are lists');
    if (seen.has(n.causeSeq)) continue;
    seen.add(n.causeSeq);
    events.push(
      t.ev('NoticeSent', {
        causeSeq: n.causeSeq,
        kind: n.kind,
        recipients: n.recipients.map((r) => ({ userId: r.userId, name: r.name })),
        channels: [...n.channels],
      }),
    );
  }
  return t.ok(...events);
}

/** Once per document: a retried record (or one repeated to catch up after a failure) adds nothing. */
export function recordDocument(s: ItemState, c: Cmd<'record_document'>, t: Tools): Decision {
  if (!Array.isArray(c.documents) || c.documents.length === 0)
    return t.invalid('documents', 'at least one document to record');
  const seen = new Set(s.documentsRecorded ?? []);
  const events: ItemEvent[] = [];
  for (const [i, d] of c.documents.entries()) {
    const bad =
      typeof d.documentId !== 'string' || d.documentId === ''
        ? 'documentId'
        : typeof d.number !== 'string' || d.number === ''
          ? 'number'
          : !ITEM_DOCUMENT_KINDS.includes(d.kind)
            ? 'kind'
            : typeof d.title !== 'string' || d.title === ''
              ? 'title'
              : typeof d.issuedBy?.userId !== 'string' || typeof d.issuedBy?.name !== 'string'
                ? 'issuedBy'
                : typeof d.issuedAt !== 'string' || Number.isNaN(Date.parse(d.issuedAt))
                  ? 'issuedAt'
                  : null;
    if (bad) return t.invalid(`documents[${i}].${bad}`, 'missing or malformed');
    if (seen.has(d.documentId)) continue;
    seen.add(d.documentId);
    events.push(
      t.ev('DocumentIssued', {
        documentId: d.documentId,
        number: d.number,
        kind: d.kind,
        title: d.title,
        issuedBy: { userId: d.issuedBy.userId, name: d.issuedBy.name },
        issuedAt: d.issuedAt,
      }),
    );
  }
  return t.ok(...events);
}

/** Warnings already on the item are skipped, so a pass run twice raises nothing the second time. */
export function raiseEvidenceWarnings(s: ItemState, c: Cmd<'raise_evidence_warnings'>, t: Tools): Decision {
  const known = new Set((s.evidenceWarnings ?? []).map((w) => w.id));
  const fresh = (Array.isArray(c.warnings) ? c.warnings : []).filter((w) => !known.has(w.id));
  for (const [i, w] of fresh.entries()) {
    if (typeof w.id !== 'string' || w.id === '' || !EVIDENCE_WARNING_CODES.includes(w.code)) {
      return t.invalid(`warnings[${i}]`, 'needs an id and a known code');
    }
  }
  return t.ok(
    ...fresh.map((w) =>
      t.ev('EvidenceWarningRaised', {
        id: w.id,
        code: w.code,
        detail: w.detail,
        attachmentIds: w.attachmentIds,
        related: w.related,
      }),
    ),
  );
}
