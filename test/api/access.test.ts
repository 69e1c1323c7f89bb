// Who may see and do what: roles, the org subtree, masking of personal data, separation of
// duties, sign-in and sign-out, admin-only endpoints, and tokens that must stop working.
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, PASSWORD, report, type World, evidenceFile } from '../support/app.ts';

let w: World;
let X: string; // assigned to village1, with a person
const items = '/api/v1/items';
const PERSON = {
  name: '张三丰',
  phone: '13812345678',
  idNumber: '410308195001011234',
  address: '朝阳镇朝阳村三组12号',
};
const MASKED = { name: '张*丰', phone: '138****5678', idNumber: '4103**********1234' };

beforeAll(async () => {
  w = await build();
  X = await report(w, 'super', { source: 'petition', title: '低保户未参保', person: PERSON });
  await assign(w, X);
});

const problem = (r: { status: number; body: any; headers: Record<string, unknown> }, status: number, code: string) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code });
};

const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((i) => i.id);

/** Create a user as admin, sign them in, and register their token under `username`. */
async function newUser(username: string, roles: string[] = ['handler'], unit = w.units.village1.id) {
  const password = 'initial-password-1';
  const r = await w.call('admin', 'POST', '/api/v1/users', {
    username,
    displayName: username,
    unitId: unit,
    roles,
    password,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const l = await w.call(null, 'POST', '/api/v1/auth/login', { username, password });
  expect(l.status).toBe(200);
  w.tokens[username] = l.body.token;
  return { id: r.body.id as string, password, token: l.body.token as string };
}

describe('org-subtree scope', () => {
  it('h2 (village2) gets 404 for a village1 item — detail, audit and every command — and never sees it listed', async () => {
    problem(await w.call('h2', 'GET', `${items}/${X}`), 404, 'not_found');
    problem(await w.call('h2', 'GET', `${items}/${X}/audit`), 404, 'not_found');
    // The commands answer 404 too, whether the state or the role would have refused them: no leak.
    for (const [cmd, body] of [
      ['accept', {}],
      ['progress', { note: 'x' }],
      ['comments', { text: 'x' }],
      ['approve', {}],
      ['assign', { responsibleUnitId: w.units.village2.id, measures: 'x', mode: 'immediate' }],
      ['recheck', { passed: true, findings: 'x' }],
      ['flag', { reason: 'x' }],
      ['submit', { summary: 'x', evidence: [] }],
    ] as const) {
      const r = await w.call('h2', 'POST', `${items}/${X}/${cmd}`, body);
      problem(r, 404, 'not_found');
      expect(JSON.stringify(r.body)).not.toContain('低保户');
    }
    problem(await w.call('h2', 'POST', `${items}/${X}/milestones/m1/complete`, {}), 404, 'not_found');
    const list = await w.call('h2', 'GET', `${items}?count=true&limit=200`);
    expect(list.status).toBe(200);
    expect(ids(list)).not.toContain(X);
    expect(list.body.total).toBe(0);
    // Searching for it by title does not find it either.
    expect(ids(await w.call('h2', 'GET', `${items}?q=${encodeURIComponent('低保户')}`))).toEqual([]);
    // The item is untouched.
    // version 3: reported, assigned, and the petitioner told of the assignment (事事有回音).
    expect((await w.call('h1', 'GET', `${items}/${X}`)).body).toMatchObject({ status: 'assigned', version: 3 });
  });

  it('h1 (village1) sees it, in the list and in detail, and may act on it', async () => {
    const d = await w.call('h1', 'GET', `${items}/${X}`);
    expect(d.status).toBe(200);
    expect(d.body.allowedCommands).toContain('accept');
    expect(ids(await w.call('h1', 'GET', `${items}?limit=200`))).toContain(X);
  });

  it('the same 404 for an item that does not exist and for one out of scope', async () => {
    const a = await w.call('h2', 'GET', `${items}/${X}`);
    const b = await w.call('h2', 'GET', `${items}/00000000-0000-4000-8000-000000000000`);
    expect([a.status, a.body.code, a.body.detail]).toEqual([b.status, b.body.code, b.body.detail]);
  });
});

describe('personal data', () => {
  const reported = (d: { timeline: { type: string; data: any }[] }) =>
    d.timeline.find((e) => e.type === 'ItemReported')!.data;

  it('the viewer (town) sees the item with the person masked — in detail, timeline and list', async () => {
    const d = await w.call('viewer', 'GET', `${items}/${X}`);
    expect(d.status).toBe(200);
    expect(d.body.personMasked).toBe(true);
    expect(d.body.person).toMatchObject(MASKED);
    expect(d.body.person.address).not.toBe(PERSON.address);
    expect(reported(d.body).person).toMatchObject(MASKED);
    const raw = JSON.stringify(d.body);
    for (const secret of [PERSON.name, PERSON.phone, PERSON.idNumber, PERSON.address])
      expect(raw).not.toContain(secret);

    const list = await w.call('viewer', 'GET', `${items}?limit=200`);
    const row = list.body.items.find((i: { id: string }) => i.id === X);
    expect(row).toMatchObject({ personMasked: true, person: MASKED });
    const rawList = JSON.stringify(list.body);
    for (const secret of [PERSON.name, PERSON.phone, PERSON.idNumber]) expect(rawList).not.toContain(secret);
  });

  it('inspectors see it masked too (third parties get the contact from the office)', async () => {
    const d = await w.call('insp', 'GET', `${items}/${X}`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ personMasked: true, person: MASKED });
    expect(reported(d.body).person).toMatchObject(MASKED);
  });

  it.each(['super', 'lead', 'h1'])('%s sees the person in full, in detail, timeline and list', async (user) => {
    const d = await w.call(user, 'GET', `${items}/${X}`);
    expect(d.status).toBe(200);
    expect(d.body.personMasked).toBe(false);
    expect(d.body.person).toEqual(PERSON);
    expect(reported(d.body).person).toEqual(PERSON);
    const row = (await w.call(user, 'GET', `${items}?limit=200`)).body.items.find((i: { id: string }) => i.id === X);
    expect(row).toMatchObject({ personMasked: false, person: PERSON });
  });
});

describe('roles', () => {
  it("the viewer's commands are refused with 403 forbidden (the item is visible, the act is not allowed)", async () => {
    // The viewer (纪检/审计) reads everything in scope and the trail; it does not act on items (DESIGN §1).
    const d = await w.call('viewer', 'GET', `${items}/${X}`);
    expect.soft(d.body.allowedCommands, 'allowedCommands offered to a viewer').toEqual([]);
    for (const [cmd, body] of [
      ['accept', {}],
      ['transfer', { responsibleUnitId: w.units.village2.id, reason: 'x' }],
      ['dismiss', { reason: 'x' }],
      ['flag', { reason: 'x' }],
      ['comments', { text: '纪检意见' }],
    ] as const) {
      const r = await w.call('viewer', 'POST', `${items}/${X}/${cmd}`, body);
      expect.soft(r.status, `viewer ${cmd}: ${JSON.stringify(r.body).slice(0, 120)}`).toBe(403);
      if (r.status >= 400) expect.soft(r.body.code).toBe('forbidden');
    }
    expect((await w.call('h1', 'GET', `${items}/${X}`)).body.version).toBe(3);
  });

  it('separation of duties: a lead who is also the handler cannot approve or reject their own submission', async () => {
    const id = await report(w);
    await assign(w, id);
    expect((await w.call('leadhandler', 'POST', `${items}/${id}/accept`, {})).status).toBe(200);
    expect(
      (
        await w.call('leadhandler', 'POST', `${items}/${id}/submit`, {
          summary: '已整改',
          evidence: [await evidenceFile(w, 'leadhandler', id)],
        })
      ).body.status,
    ).toBe('submitted');
    const detail = await w.call('leadhandler', 'GET', `${items}/${id}`);
    expect(detail.body.allowedCommands).not.toContain('approve');
    problem(await w.call('leadhandler', 'POST', `${items}/${id}/approve`, {}), 403, 'separation_of_duties');
    problem(await w.call('leadhandler', 'POST', `${items}/${id}/reject`, { reason: 'x' }), 403, 'separation_of_duties');
    expect((await w.call('h1', 'GET', `${items}/${id}`)).body.status).toBe('submitted');
    expect((await w.call('lead', 'POST', `${items}/${id}/approve`, {})).body.status).toBe('closed');
  });

  it('separation of duties: an inspector of village1 cannot recheck a village1 item; the town inspection office may', async () => {
    const id = await report(w, 'super', { source: 'petition' });
    await assign(w, id);
    await w.call('h1', 'POST', `${items}/${id}/accept`, {});
    await w.call('h1', 'POST', `${items}/${id}/submit`, {
      summary: '已整改',
      evidence: [await evidenceFile(w, 'h1', id)],
    });
    expect((await w.call('lead', 'POST', `${items}/${id}/approve`, {})).body.status).toBe('closed');
    expect((await w.call('insp1', 'GET', `${items}/${id}`)).body.allowedCommands).not.toContain('recheck');
    problem(
      await w.call('insp1', 'POST', `${items}/${id}/recheck`, { passed: true, findings: '复核属实' }),
      403,
      'separation_of_duties',
    );
    // A petition item (信访): not the township's inspection office either — the county organises its recheck
    // (000 §七 “涉及到乡村的涉贫信访问题，由县牵头组织复核”).
    expect((await w.call('insp', 'GET', `${items}/${id}`)).body.allowedCommands).not.toContain('recheck');
    const town = await w.call('insp', 'POST', `${items}/${id}/recheck`, { passed: true, findings: '复核属实' });
    problem(town, 403, 'separation_of_duties');
    expect(town.body.detail).toBe('信访件的复核由县级或活动指定的单位组织，乡镇人员不能复核');
    expect((await w.call('xfj', 'GET', `${items}/${id}`)).body.allowedCommands).toContain('recheck');
    const r = await w.call('xfj', 'POST', `${items}/${id}/recheck`, { passed: true, findings: '复核属实' });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('verified');
  });

  it('separation of duties: the town inspection office rechecks an ordinary item; its approver may not', async () => {
    const id = await report(w);
    await assign(w, id);
    await w.call('h1', 'POST', `${items}/${id}/accept`, {});
    await w.call('h1', 'POST', `${items}/${id}/submit`, {
      summary: '已整改',
      evidence: [await evidenceFile(w, 'h1', id)],
    });
    expect((await w.call('super', 'POST', `${items}/${id}/approve`, {})).body.status).toBe('closed');
    // The supervisor who approved may recheck as a role, but not his own approval.
    problem(
      await w.call('super', 'POST', `${items}/${id}/recheck`, { passed: true, findings: '复核属实' }),
      403,
      'separation_of_duties',
    );
    expect((await w.call('insp', 'POST', `${items}/${id}/recheck`, { passed: true, findings: '到位' })).status).toBe(
      200,
    );
  });

  it('separation of duties: a lead who is also the handler cannot grant the extension they asked for', async () => {
    const id = await report(w);
    await assign(w, id);
    await w.call('leadhandler', 'POST', `${items}/${id}/accept`, {});
    const asked = await w.call('leadhandler', 'POST', `${items}/${id}/request-extension`, {
      newDeadline: '2099-12-31',
      reason: '等待材料',
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    const detail = await w.call('leadhandler', 'GET', `${items}/${id}`);
    expect(detail.body.allowedCommands).toContain('comment');
    expect(detail.body.allowedCommands).not.toContain('decide_extension');
    const own = await w.call('leadhandler', 'POST', `${items}/${id}/decide-extension`, { approve: true });
    problem(own, 403, 'separation_of_duties');
    expect(own.body.detail).toBe('不能审批本人提出的延期申请');
    expect((await w.call('lead', 'POST', `${items}/${id}/decide-extension`, { approve: true })).status).toBe(200);
  });

  it('admin-only endpoints: 403 for a supervisor, done for the admin', async () => {
    const user = {
      username: 'clerk01',
      displayName: '文书',
      unitId: w.units.village2.id,
      roles: ['handler'],
      password: 'clerk-password-1',
    };
    problem(await w.call('super', 'POST', '/api/v1/users', user), 403, 'forbidden');
    const u = await w.call('admin', 'POST', '/api/v1/users', user);
    expect(u.status).toBe(201);
    expect(u.body).toMatchObject({
      username: 'clerk01',
      roles: ['handler'],
      disabled: false,
      unitId: w.units.village2.id,
    });
    expect(u.body).not.toHaveProperty('passwordHash');

    const unit = { name: '北陈村', kind: 'village', parentId: w.units.town.id, divisionCode: '410308101201' };
    problem(await w.call('super', 'POST', '/api/v1/org-units', unit), 403, 'forbidden');
    const o = await w.call('admin', 'POST', '/api/v1/org-units', unit);
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ name: '北陈村', parentId: w.units.town.id });

    const year = { source: '国办发明电〔2026〕15号', holidays: ['2027-01-01'], workdays: [] };
    problem(await w.call('super', 'PUT', '/api/v1/calendar/years/2027', year), 403, 'forbidden');
    const c = await w.call('admin', 'PUT', '/api/v1/calendar/years/2027', year);
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body).toMatchObject({ year: 2027, holidays: ['2027-01-01'] });

    problem(await w.call('super', 'PATCH', `/api/v1/users/${u.body.id}`, { displayName: '改名' }), 403, 'forbidden');
    expect(
      (await w.call('admin', 'PATCH', `/api/v1/users/${u.body.id}`, { displayName: '改名' })).body.displayName,
    ).toBe('改名');
  });
});

describe('authentication', () => {
  it('no token → 401 unauthenticated', async () => {
    for (const url of [
      items,
      `${items}/${X}`,
      '/api/v1/me',
      '/api/v1/users',
      '/api/v1/campaigns',
      '/api/v1/org-units',
    ]) {
      problem(await w.call(null, 'GET', url), 401, 'unauthenticated');
    }
  });

  it('a garbage or malformed token → 401 unauthenticated', async () => {
    for (const authorization of [
      `Bearer ${'A'.repeat(43)}`,
      `Bearer ${w.tokens.h1!.slice(0, -2)}zz`,
      'Bearer',
      `bearer${w.tokens.h1}`,
      `Token ${w.tokens.h1}`,
      `Bearer ${w.tokens.h1} extra`,
      'Bearer ../../etc/passwd',
    ]) {
      problem(await w.call(null, 'GET', '/api/v1/me', undefined, { authorization }), 401, 'unauthenticated');
    }
  });

  it('logout revokes that token at once, and only that token', async () => {
    const l = await w.call(null, 'POST', '/api/v1/auth/login', { username: 'h1', password: PASSWORD });
    w.tokens.h1b = l.body.token;
    expect((await w.call('h1b', 'GET', '/api/v1/me')).body.username).toBe('h1');
    expect((await w.call('h1b', 'POST', '/api/v1/auth/logout')).status).toBe(204);
    problem(await w.call('h1b', 'GET', '/api/v1/me'), 401, 'unauthenticated');
    problem(await w.call('h1b', 'GET', items), 401, 'unauthenticated');
    expect((await w.call('h1', 'GET', '/api/v1/me')).status).toBe(200);
  });

  it('disabling a user stops their token at once and refuses their sign-in', async () => {
    const u = await newUser('tempworker');
    expect((await w.call('tempworker', 'GET', '/api/v1/me')).status).toBe(200); // the token is now cached
    const p = await w.call('admin', 'PATCH', `/api/v1/users/${u.id}`, { disabled: true });
    expect(p.status).toBe(200);
    expect(p.body.disabled).toBe(true);
    // A revoked token must stop working at once in the process that revoked it (api/plugins/auth.ts).
    const now = await w.call('tempworker', 'GET', '/api/v1/me');
    expect
      .soft(now.status, "the disabled user's token still works right after PATCH /users/:id (token cache)")
      .toBe(401);
    expect.soft((await w.call('tempworker', 'GET', items)).status).toBe(401);
    problem(
      await w.call(null, 'POST', '/api/v1/auth/login', { username: 'tempworker', password: u.password }),
      401,
      'invalid_credentials',
    );
    // Whatever the cache, the database revocation holds once the cache entry expires.
    await new Promise((r) => setTimeout(r, 5_200));
    problem(await w.call('tempworker', 'GET', '/api/v1/me'), 401, 'unauthenticated');
  }, 20_000);

  it('changing roles by PATCH stops the old token at once (it carried the old roles)', async () => {
    const u = await newUser('rolechange', ['supervisor'], w.units.office.id);
    expect((await w.call('rolechange', 'GET', '/api/v1/users')).status).toBe(200); // cached, as a supervisor
    expect((await w.call('admin', 'PATCH', `/api/v1/users/${u.id}`, { roles: ['viewer'] })).status).toBe(200);
    const r = await w.call('rolechange', 'GET', '/api/v1/users');
    expect(r.status, 'the old token still acts with the old roles right after the role change').toBe(401);
  });

  it('changing my password needs the current one (422 otherwise) and signs out every session', async () => {
    const u = await newUser('pwuser');
    const second = await w.call(null, 'POST', '/api/v1/auth/login', { username: 'pwuser', password: u.password });
    w.tokens.pwuser2 = second.body.token;
    expect((await w.call('pwuser2', 'GET', '/api/v1/me')).status).toBe(200); // cached

    problem(
      await w.call('pwuser', 'POST', '/api/v1/me/password', {
        currentPassword: 'not-my-password',
        newPassword: 'brand-new-password-1',
      }),
      422,
      'invalid_credentials',
    );
    expect((await w.call('pwuser', 'GET', '/api/v1/me')).status).toBe(200); // a wrong attempt revokes nothing
    problem(
      await w.call(null, 'POST', '/api/v1/auth/login', { username: 'pwuser', password: 'brand-new-password-1' }),
      401,
      'invalid_credentials',
    );
    const short = await w.call('pwuser', 'POST', '/api/v1/me/password', {
      currentPassword: u.password,
      newPassword: 'short',
    });
    problem(short, 400, 'validation_failed');
    expect(short.body.errors[0].path).toBe('body.newPassword');

    expect(
      (
        await w.call('pwuser', 'POST', '/api/v1/me/password', {
          currentPassword: u.password,
          newPassword: 'brand-new-password-1',
        })
      ).status,
    ).toBe(204);
    problem(await w.call('pwuser', 'GET', '/api/v1/me'), 401, 'unauthenticated');
    const other = await w.call('pwuser2', 'GET', '/api/v1/me');
    expect.soft(other.status, 'the other session still works right after the password change (token cache)').toBe(401);
    problem(
      await w.call(null, 'POST', '/api/v1/auth/login', { username: 'pwuser', password: u.password }),
      401,
      'invalid_credentials',
    );
    expect(
      (await w.call(null, 'POST', '/api/v1/auth/login', { username: 'pwuser', password: 'brand-new-password-1' }))
        .status,
    ).toBe(200);
  });
});

describe('petition recheck by an office the campaign names (000 §七)', () => {
  it('names the town inspection office; an unknown unit is refused and changes nothing', async () => {
    const settingsUrl = `/api/v1/campaigns/${w.campaignId}/settings`;
    const before = (await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}`)).body.settings;
    const bad = await w.call('super', 'PUT', settingsUrl, {
      ...before,
      petitionRecheckUnitIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('body.petitionRecheckUnitIds');
    expect((await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}`)).body.settings).toEqual(before);

    const named = await w.call('super', 'PUT', settingsUrl, {
      ...before,
      petitionRecheckUnitIds: [w.units.inspection.id],
    });
    expect(named.status, JSON.stringify(named.body)).toBe(200);
    expect(named.body.settings).toMatchObject({ petitionRecheckUnitIds: [w.units.inspection.id] });
    expect(named.body.settings).not.toHaveProperty('petitionRecheckUnits');
    try {
      const id = await report(w, 'super', { source: 'petition' });
      await assign(w, id);
      await w.call('h1', 'POST', `${items}/${id}/accept`, {});
      await w.call('h1', 'POST', `${items}/${id}/submit`, {
        summary: '已整改',
        evidence: [await evidenceFile(w, 'h1', id)],
      });
      expect((await w.call('lead', 'POST', `${items}/${id}/approve`, {})).status).toBe(200);
      const r = await w.call('insp', 'POST', `${items}/${id}/recheck`, { passed: true, findings: '复核属实' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    } finally {
      await w.call('super', 'PUT', settingsUrl, before);
    }
  });
});
