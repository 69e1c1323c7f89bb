// The bulletin (通报) of a published round: the same frozen ranking, the units praised (通报表扬)
// and criticised (通报批评), and the accountability actions that fired with this round.
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { bulletinFacts } from '../db/queries/bulletin.ts';
import type { Ranking } from '../db/queries/rounds.ts';
import { type RoundRow, trailCheckpoints } from '../db/schema.ts';
import { bulletinTitle } from '../domain/messages/index.ts';
import { groupMarks } from '../domain/ranking/marks.ts';

export interface Bulletin {
  title: string;
  campaign: string;
  round: string;
  periodStart: string;
  periodEnd: string;
  focusCategories: string[];
  version: number;
  correction: string | null;
  publishedAt: string;
  asOf: string;
  schemeVersion: string;
  groups: { title: string; lines: { rank: number; unitId: string; name: string; score: number; veto: boolean }[] }[];
  praised: { unitId: string; name: string; group: string; reason: string }[];
  criticised: { unitId: string; name: string; group: string; reason: string }[];
  accountability: { unitId: string; name: string; rule: string; action: string; status: string }[];
  /**
   * The signed trail checkpoint made when this version was published (null for versions published before
   * checkpoints existed): `zhenggai verify` proves the trail still holds what it was made from.
   */
  trail?: {
    checkpointNo: number;
    at: string;
    items: number;
    headsDigest: string;
    keyId: string;
    signature: string;
  } | null;
}

export async function buildBulletin(
  db: DbOrTx,
  round: RoundRow,
  published: { version: number; reason: string | null; publishedAt: string; result: unknown },
): Promise<Bulletin> {
  const ranking = published.result as Ranking;
  const facts = await bulletinFacts(db, round);
  const campaign = facts.campaignName === null ? undefined : { name: facts.campaignName };
  const cats = facts.categories;
  const records = facts.records;
  // Looked up here, not by the route, so the draft and the issued (numbered) bulletin both print it.
  const [cp] = await db
    .select()
    .from(trailCheckpoints)
    .where(and(eq(trailCheckpoints.roundId, round.id), eq(trailCheckpoints.roundVersion, published.version)));
  const praised: Bulletin['praised'] = [];
  const criticised: Bulletin['criticised'] = [];
  for (const g of ranking.groups) {
    const marks = groupMarks(g.lines, round.scheme.praiseTop);
    g.lines.forEach((l, i) => {
      const m = marks[i]!;
      if (m.praised)
        praised.push({ unitId: l.unitId, name: l.name, group: g.title, reason: `${g.title}排名第${l.rank}名` });
      if (m.vetoed)
        criticised.push({ unitId: l.unitId, name: l.name, group: g.title, reason: `一票否决：${l.vetoReason ?? ''}` });
      else if (m.last)
        criticised.push({ unitId: l.unitId, name: l.name, group: g.title, reason: `${g.title}排名倒数第一` });
      else if (m.named)
        criticised.push({
          unitId: l.unitId,
          name: l.name,
          group: g.title,
          reason: `${g.title}排名第${l.rank}名，列入黑榜`,
        });
    });
  }
  for (const x of records) {
    if (x.r.action === 'criticism' && !criticised.some((c) => c.unitId === x.r.unitId)) {
      criticised.push({ unitId: x.r.unitId, name: x.name, group: '', reason: x.r.title });
    }
  }
  return {
    title: bulletinTitle(campaign?.name ?? '', round.name),
    campaign: campaign?.name ?? '',
    round: round.name,
    periodStart: round.periodStart,
    periodEnd: round.periodEnd,
    focusCategories: cats.map((c) => c.name),
    version: published.version,
    correction: published.reason,
    publishedAt: new Date(published.publishedAt).toISOString(),
    asOf: ranking.asOf,
    schemeVersion: ranking.schemeVersion,
    groups: ranking.groups.map((g) => ({
      title: g.title,
      lines: g.lines.map((l) => ({ rank: l.rank, unitId: l.unitId, name: l.name, score: l.score, veto: l.veto })),
    })),
    praised,
    criticised,
    accountability: records.map((x) => ({
      unitId: x.r.unitId,
      name: x.name,
      rule: x.r.title,
      action: x.r.actionTitle,
      status: x.r.status,
    })),
    trail: cp
      ? {
          checkpointNo: cp.no,
          at: new Date(cp.at).toISOString(),
          items: cp.items,
          headsDigest: cp.headsDigest,
          keyId: cp.keyId,
          signature: cp.signature,
        }
      : null,
  };
}
