// The raw Temporal baseline's workflow: what one item command costs Temporal itself, without the item.
// It has the shape of workflows/temporal/item.workflow.ts on its hot path — an `execute` Update with a
// validator, a handler that runs one activity (here an empty one) before it answers, then the main loop
// re-arming its durable timer (TimerCanceled, TimerStarted) — and nothing else: no decider, no env, no
// ledger writes. The item workflow's figures over these are what our code adds on Temporal.
import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export interface RawActivities {
  persist(note: string): Promise<number>;
}

export const execute = defineUpdate<number, [string]>('execute');

const { persist } = proxyActivities<RawActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function rawWorkflow(): Promise<void> {
  let version = 0;
  setHandler(
    execute,
    async (note) => {
      await persist(note);
      return ++version;
    },
    {
      validator: (note) => {
        if (note.length === 0) throw new Error('empty note');
      },
    },
  );
  for (;;) {
    const seen = version;
    await condition(() => version !== seen, '30 days');
  }
}
