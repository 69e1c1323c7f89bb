// The raw Temporal baseline's worker process (bench/temporal-baseline.ts starts it): the workflow of
// ./workflow.ts and an activity that does nothing, on its own task queue. Prints "polling" once ready.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { RawActivities } from './workflow.ts';

const address = process.env.TEMPORAL_ADDRESS;
const taskQueue = process.env.TEMPORAL_TASK_QUEUE;
if (!address || !taskQueue) throw new Error('TEMPORAL_ADDRESS and TEMPORAL_TASK_QUEUE are required');

Runtime.install({ shutdownSignals: ['SIGTERM', 'SIGINT'] });
const activities: RawActivities = { persist: async (note) => note.length };
const worker = await Worker.create({
  connection: await NativeConnection.connect({ address }),
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./workflow.ts', import.meta.url)),
  activities,
});
console.log(`raw worker polling ${taskQueue}`);
await worker.run();
