// The Temporal client the API process uses. The connection is lazy: the API starts (and serves
// reads) while Temporal is down, and each command finds out for itself (503 engine_unavailable).
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../db/client.ts';
import type { EngineEnv } from '../engine-env.ts';
import type { Clock } from '../engine.ts';
import { createTemporalEngine, type TemporalEngine } from './temporal-engine.ts';

interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

export function openTemporalEngine(
  t: TemporalSettings,
  deps: { db: Db; env: EngineEnv; clock?: Clock; commandTimeoutMs?: number; probeTimeoutMs?: number },
): { engine: TemporalEngine; close: () => Promise<void> } {
  const connection = Connection.lazy({ address: t.address, connectTimeout: '5 seconds' });
  const client = new Client({ connection, namespace: t.namespace });
  const engine = createTemporalEngine({ client, connection, taskQueue: t.taskQueue, ...deps });
  return { engine, close: () => connection.close() };
}
