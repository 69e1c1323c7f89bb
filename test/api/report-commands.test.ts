// What a report says its caller may do (allowedCommands, which the web application's buttons follow)
// matches what its command endpoints accept — including an office supervisor who also leads a
// reporting department (the demo's 镇乡村振兴办: owns the campaign and files its own monthly report, which
// the level above then reviews: separation of duties, domain/access/duties.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema.ts';
import { build, type World } from '../support/app.ts';
import { addUser } from '../notify/support.ts';

let w: World;
const narrative = { progress: '完成专项部署', problems: '无', nextSteps: '督促各村推进整改' };
const base = () => `/api/v1/campaigns/${w.campaignId}/reports/2026-03/units`;

beforeAll(async () => {
  w = await build({ now: '2026-03-20T02:00:00.000Z' });
  // 'super' is a supervisor of the owning office; here it also leads that office, which reports.
  await w.db
    .update(users)
    .set({ roles: ['supervisor', 'lead'] })
    .where(eq(users.id, w.userIds.super!));
  const r = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/report-config`, {
    cycle: { reportingUnitIds: [w.units.office.id, w.units.village1.id], firstMonth: '2026-03', dueDay: 'month_end' },
  });
  expect(r.status).toBe(200);
});

const allowed = async (user: string, unitId: string) => {
  const r = await w.call(user, 'GET', `${base()}/${unitId}`);
  expect(r.status).toBe(200);
  return r.body.allowedCommands as string[];
};

describe('allowedCommands of a report', () => {
  it('the unit may draft and submit; the office may return or accept once submitted; readers may do nothing', async () => {
    const v = w.units.village1.id;
    expect(await allowed('h1', v)).toEqual(['save_draft', 'submit']);
    expect(await allowed('super', v)).toEqual([]); // not its unit, and nothing to review yet
    expect(await allowed('viewer', v)).toEqual([]);
    expect((await w.call('super', 'POST', `${base()}/${v}/draft`, { narrative })).status).toBe(403);
    expect((await w.call('h1', 'POST', `${base()}/${v}/submit`, { narrative })).status).toBe(200);
    expect(await allowed('h1', v)).toEqual([]);
    expect(await allowed('super', v)).toEqual(['return', 'accept']);
    expect(await allowed('viewer', v)).toEqual([]);
    expect((await w.call('h1', 'POST', `${base()}/${v}/accept`, {})).status).toBe(403);
  });

  it('an office supervisor who leads a reporting office writes its report, but neither he nor his office reviews it', async () => {
    const o = w.units.office.id;
    expect(await allowed('super', o)).toEqual(['save_draft', 'submit']);
    expect((await w.call('super', 'POST', `${base()}/${o}/draft`, { narrative })).body.status).toBe('draft');
    expect((await w.call('super', 'POST', `${base()}/${o}/submit`, {})).body.status).toBe('submitted');
    // Separation of duties (issue 15 §2): no one decides on their own request, nor an office on its own report.
    expect(await allowed('super', o)).toEqual([]);
    const own = await w.call('super', 'POST', `${base()}/${o}/accept`, {});
    expect(own.status).toBe(403);
    expect(own.body).toMatchObject({ code: 'separation_of_duties', detail: '不能审批本人提出的月报' });
    await addUser(w, 'officemate', w.units.office.id, { roles: ['supervisor'] });
    const mate = await w.call('officemate', 'POST', `${base()}/${o}/accept`, {});
    expect(mate.status).toBe(403);
    expect(mate.body.detail).toBe('不能审核本单位报送的月报，应由上级或其他单位审核');
    // The level above (a county supervisor) reviews it.
    await addUser(w, 'countysup', w.units.county.id, { roles: ['supervisor'] });
    expect(await allowed('countysup', o)).toEqual(['return', 'accept']);
    const ret = await w.call('countysup', 'POST', `${base()}/${o}/return`, { reason: '补充各村进度' });
    expect(ret.body).toMatchObject({ status: 'returned' });
    expect(await allowed('super', o)).toEqual(['save_draft', 'submit']);
  });
});
