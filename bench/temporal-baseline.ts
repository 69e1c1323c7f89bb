// The raw Temporal baseline: the Temporal server's own cost of one item command, measured in the same run
// as the Workflow Update path (bench/run.ts --engine temporal) on the same `temporal server start-dev`.
// N workflows of ./temporal-raw/workflow.ts (an Update whose handler runs one empty activity, then a timer
// re-armed — the item workflow's hot path with nothing of ours in it), driven by Updates from this process
// at the same concurrency as the HTTP scenario. ours / raw says what our code adds on top of Temporal; the
// raw figure alone says what this Temporal (SQLite on this machine's disk) can do at most.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { percentiles, type Percentiles } from './stats.ts';
import { execute } from './temporal-raw/workflow.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TASK_QUEUE = 'bench-raw';

export interface RawTemporalResult {
  opsPerSec: number;
  ops: number;
  seconds: number;
  errors: number;
  latency: Percentiles;
}

export interface RawTemporal {
  pid(): number | null;
  workflows: number;
  workflowsStartedPerSec: number;
  /** Updates at `connections` at a time for `seconds`. */
  run(o: { connections: number; seconds: number }): Promise<RawTemporalResult>;
  stop(): Promise<void>;
}

export async function startRawTemporal(o: {
  address: string;
  workflows: number;
  logFile: string;
  log: (m: string) => void;
}): Promise<RawTemporal> {
  const worker = await spawnWorker(o.address, o.logFile);
  o.log(`raw temporal: worker pid ${worker.pid} polling ${TASK_QUEUE}`);
  const connection = await Connection.connect({ address: o.address });
  const client = new Client({ connection });
  const ids = Array.from({ length: o.workflows }, (_, i) => `bench-raw-${process.pid}-${i}`);
  const t0 = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      await client.workflow.start('rawWorkflow', { workflowId: ids[next++]!, taskQueue: TASK_QUEUE });
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  const startSeconds = (Date.now() - t0) / 1000;
  o.log(`raw temporal: ${ids.length} workflows started in ${startSeconds.toFixed(1)} s`);
  const handles = ids.map((id) => client.workflow.getHandle(id));
  return {
    pid: () => worker.pid ?? null,
    workflows: ids.length,
    workflowsStartedPerSec: Math.round((ids.length / startSeconds) * 10) / 10,
    async run({ connections, seconds }) {
      const samples: number[] = [];
      let errors = 0;
      const started = performance.now();
      const end = started + seconds * 1000;
      const loop = async () => {
        while (performance.now() < end) {
          const h = handles[Math.floor(Math.random() * handles.length)]!;
          const t = performance.now();
          try {
            await h.executeUpdate(execute, { args: ['现场核查，已整改一处'] });
            samples.push(performance.now() - t);
          } catch {
            errors++;
          }
        }
      };
      await Promise.all(Array.from({ length: connections }, loop));
      const took = (performance.now() - started) / 1000;
      return {
        opsPerSec: samples.length / took,
        ops: samples.length,
        seconds: took,
        errors,
        latency: percentiles(samples),
      };
    },
    async stop() {
      await connection.close();
      worker.kill('SIGTERM');
      if (worker.exitCode === null && worker.signalCode === null) await new Promise((r) => worker.once('exit', r));
    },
  };
}

async function spawnWorker(address: string, logFile: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', 'bench/temporal-raw/worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: TASK_QUEUE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => c.kill('SIGKILL'));
  const log = createWriteStream(logFile, { flags: 'a' });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the raw worker did not poll within 300 s: ${out.slice(-2000)}`)),
      300_000,
    );
    for (const s of [c.stdout!, c.stderr!]) {
      s.on('data', (b: Buffer) => {
        log.write(b);
        out += b.toString();
        if (out.includes('raw worker polling')) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    c.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the raw worker exited (${code}): ${out.slice(-2000)}`));
    });
  });
  return c;
}
