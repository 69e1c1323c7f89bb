// The whole lifecycle over HTTP, as the people who do it: report → assign → accept → progress →
// submit → reject → submit → approve → recheck fails (反弹) → … → recheck passes → verified.
// On both runtimes: the local engine, and Temporal (a real server and worker; real time there).
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays, shanghaiDate } from '../../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { build, evidenceFile, type World } from '../support/app.ts';
import { ENGINES, engineUnavailable } from '../support/engines.ts';

for (const engine of ENGINES)
  describe.skipIf(engineUnavailable(engine) !== null)(`item lifecycle over HTTP (${engine})`, () => {
    let w: World;
    beforeAll(async () => {
      w = await build({ engine });
    }, 120_000);

    it('runs from report to verified, with reject and rebound loops, and a verifiable trail', async () => {
      const post = (user: string, path: string, body: unknown) =>
        w.call(user, 'POST', `/api/v1/items/${id}/${path}`, body);
      const r0 = await w.call('super', 'POST', '/api/v1/items', {
        campaignId: w.campaignId,
        categoryId: w.categoryId,
        source: 'petition',
        title: '信访反映：低保户未参保',
        description: '群众来信反映朝阳村张某户未参加医保',
        person: { name: '张三丰', phone: '13812345678', idNumber: '410308195001011234' },
      });
      expect(r0.status).toBe(201);
      const id: string = r0.body.id;
      expect(r0.body).toMatchObject({ status: 'reported', version: 1, ledgerNo: 1 });

      let r = await post('lead', 'assign', {
        responsibleUnitId: w.units.village1.id,
        measures: '入户动员参保',
        mode: 'immediate',
      });
      // 5 working days (立行立改): from Mon 2 March on the local engine's clock, from today on Temporal's.
      const deadline =
        engine === 'local'
          ? '2026-03-09'
          : addDays(shanghaiDate(new Date().toISOString()), 5, 'working', OFFICIAL_CALENDAR).date;
      expect(r.body).toMatchObject({ status: 'assigned', deadline });
      expect((await post('h1', 'accept', {})).body.status).toBe('in_progress');
      expect((await post('h1', 'progress', { note: '已入户动员，户主同意参保', substantive: true })).status).toBe(200);
      expect(
        (
          await post('h1', 'submit', {
            summary: '已参保缴费',
            evidence: [await evidenceFile(w, 'h1', id, '参保缴费凭证.pdf')],
          })
        ).body.status,
      ).toBe('submitted');
      r = await post('lead', 'reject', { reason: '缺少户主签字' });
      expect(r.body).toMatchObject({ status: 'in_progress', rejectCount: 1 });
      expect(
        (
          await post('h1', 'submit', {
            summary: '已补充签字',
            evidence: [await evidenceFile(w, 'h1', id, '签字确认.pdf')],
          })
        ).body.status,
      ).toBe('submitted');
      r = await post('lead', 'approve', { note: '同意销号' });
      expect(r.body.status).toBe('closed');
      expect(r.body.recheck).toMatchObject({ reason: 'petition' }); // petition items are always rechecked (000)

      if (engine === 'local') w.clock.advanceDays(3); // Temporal's clock is the server's: no time passes there
      // A petition item: the county (区信访局) organises the recheck, not the township (000 §七).
      r = await post('xfj', 'recheck', { passed: false, findings: '回头看发现未实际缴费' });
      expect(r.body).toMatchObject({ status: 'in_progress', reopenCount: 1 });
      expect(
        (
          await post('h1', 'submit', {
            summary: '已实际缴费',
            evidence: [await evidenceFile(w, 'h1', id, '缴费回执.pdf')],
          })
        ).body.status,
      ).toBe('submitted');
      expect((await post('lead', 'approve', {})).body.status).toBe('closed');
      r = await post('xfj', 'recheck', { passed: true, findings: '复核属实' });
      expect(r.body.status).toBe('verified');

      const detail = await w.call('super', 'GET', `/api/v1/items/${id}`);
      const types = detail.body.timeline.map((e: { type: string }) => e.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'ItemReported',
          'ItemAssigned',
          'ItemAccepted',
          'ProgressRecorded',
          'ItemSubmitted',
          'ItemRejected',
          'ItemApproved',
          'RecheckScheduled',
          'RecheckFailed',
          'ItemReopened',
          'RecheckPassed',
          'ItemVerified',
          'ReporterFeedbackDue',
        ]),
      );
      expect(detail.body.timeline.map((e: { seq: number }) => e.seq)).toEqual(
        types.map((_: unknown, i: number) => i + 1),
      );
      expect(detail.body.timeline[1].actor).toMatchObject({ id: w.userIds.lead, name: 'lead' });
      expect((await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body).toMatchObject({
        ok: true,
        events: types.length,
      });
    });

    it('offers each user only the commands they may issue now', async () => {
      const id = (
        await w.call('super', 'POST', '/api/v1/items', {
          campaignId: w.campaignId,
          categoryId: w.categoryId,
          source: 'screening',
          title: '未参保',
          description: '未参保',
        })
      ).body.id;
      expect((await w.call('lead', 'GET', `/api/v1/items/${id}`)).body.allowedCommands).toEqual(
        expect.arrayContaining(['assign', 'comment']),
      );
      expect((await w.call('lead', 'GET', `/api/v1/items/${id}`)).body.allowedCommands).not.toContain('accept');
      expect((await w.call('viewer', 'GET', `/api/v1/items/${id}`)).body.allowedCommands).not.toContain('assign');
    });

    it('refuses a command in the wrong state with 409 and the allowed commands', async () => {
      const id = (
        await w.call('super', 'POST', '/api/v1/items', {
          campaignId: w.campaignId,
          categoryId: w.categoryId,
          source: 'screening',
          title: '未参保',
          description: '未参保',
        })
      ).body.id;
      const r = await w.call('lead', 'POST', `/api/v1/items/${id}/approve`, {});
      expect(r.status).toBe(409);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ code: 'invalid_transition', status: 409 });
      expect(r.body.allowed).toContain('assign');
    });
  });
