// A document's PDF is made in the background (the documents queue on BullMQ's PostgreSQL backend, as
// `npm start` runs it): the first request answers 202 while LibreOffice converts, later requests get the
// PDF from the file store — converted once per content.
import { beforeAll, describe, expect, it } from 'vitest';
import { documentPdfKey } from '../../storage/file-store.ts';
import { DOCUMENTS_QUEUE } from '../../workers/documents.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { inspectPdf } from '../support/pdf.ts';

let w: World;
beforeAll(async () => {
  w = await build({ background: true });
});

const get = (path: string) =>
  w.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${w.tokens.super}` } });

describe('document PDFs on the queue', () => {
  it('queues the conversion at issue, answers 202 until it is made, then serves the stored PDF', async () => {
    const id = await report(w);
    await assign(w, id);
    const doc = await w.call('super', 'POST', `/api/v1/items/${id}/documents/assignment`, {});
    expect(doc.status).toBe(201);
    const first = await get(doc.body.pdf);
    // The job was queued when the document was issued; a request before it finished waits (202).
    if (first.statusCode === 202) {
      expect(first.headers['retry-after']).toBe('5');
      expect(first.json()).toMatchObject({ status: 'converting' });
    } else expect(first.statusCode).toBe(200);
    await w.background!.idle(180_000);
    expect(await w.evidence.store.has(documentPdfKey(doc.body.contentHash))).toBe(true);
    const pdf = await get(doc.body.pdf);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const facts = await inspectPdf(pdf.rawPayload);
    expect(facts.text.replace(/\s+/g, '')).toContain(doc.body.number);
    // Asking again converts nothing more: one completed job for this content.
    await get(doc.body.pdf);
    await w.background!.idle();
    const counts = await w.background!.kit.counts(DOCUMENTS_QUEUE);
    expect(counts).toMatchObject({ completed: 1, failed: 0 });
  }, 240_000);
});
