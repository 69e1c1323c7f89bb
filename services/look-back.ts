// 回头看 (look-back): a round's seeded, reproducible selection of closed items of its focus
// categories, each scheduled for a recheck through the item engine; the selection is made once.
import type { Db } from '../db/client.ts';
import { lookBackCandidates, saveSelection } from '../db/queries/rounds.ts';
import type { RoundRow } from '../db/schema.ts';
import { isSampled } from '../domain/item/index.ts';
import { CommandRefused, type ItemEngine } from '../workflows/engine.ts';
import { Refused } from './refusal.ts';

export function lookBackService(deps: { db: Db; engine: ItemEngine }) {
  const { db, engine } = deps;

  /** Select and schedule; answers the selection as recorded on the round. */
  async function select(round: RoundRow, p: { rate: number; seed: string; dueBy: string; now: string }) {
    if (!round.lookBack)
      throw new Refused('not_a_look_back_round', 'this round is not a look-back (回头看) round', {
        title: 'Rule violated',
      });
    if (round.selection)
      throw new Refused(
        'look_back_already_selected',
        `the selection was made at ${round.selection.at}; it is made once`,
        { title: 'Rule violated' },
      );
    const chosen = (await lookBackCandidates(db, round)).filter((id) => isSampled(p.seed, id, p.rate));
    const scheduled: string[] = [];
    for (const itemId of chosen) {
      try {
        await engine.execute({
          itemId,
          actor: null,
          command: { type: 'schedule_recheck', reason: 'look_back', dueBy: p.dueBy },
        });
        scheduled.push(itemId);
      } catch (err) {
        // An item already waiting for its recheck keeps it; anything else is a fault.
        if (!(err instanceof CommandRefused)) throw err;
      }
    }
    const selection = { rate: p.rate, seed: p.seed, at: p.now, itemIds: scheduled };
    await saveSelection(db, round.id, selection);
    return selection;
  }

  return { select };
}
