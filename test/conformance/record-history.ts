// `npm run temporal:record-histories` runs the conformance suite with ZG_RECORD_HISTORIES=1: each Temporal
// scenario's workflow history, as the server recorded it, is written to test/fixtures/temporal/. The replay
// suite (test/temporal/replay-recorded.test.ts) replays them against the current workflow code, so a change
// that would break running workflows (non-determinism) fails CI. Re-record only when such a change is meant
// (and then version the workflow: histories of running workflows cannot be re-recorded). Histories recorded
// before the workflow cached its env (each Update carried the settings and calendar) are kept as
// env-in-update--*.json: workflows started then may still be running, so that path must keep replaying.
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TemporalRuntime } from '../support/temporal-runtime.ts';

export const FIXTURES = new URL('../fixtures/temporal/', import.meta.url);

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

export async function recordHistory(t: TemporalRuntime, itemId: string, scenario: string): Promise<void> {
  if (!process.env.ZG_RECORD_HISTORIES) return;
  const history = await t.env.client.workflow.getHandle(`item-${itemId}`).fetchHistory();
  const file = new URL(`${t.kind}--${slug(scenario)}.json`, FIXTURES);
  await writeFile(file, `${historyToJSON(history)}\n`);
}
