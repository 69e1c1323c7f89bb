// The item API suites run on both runtimes behind the ItemEngine port: the local one, and Temporal on the
// run's `temporal server start-dev` with a real worker (ENGINE=temporal end to end, minus the process split).
import { temporalUnavailable } from './temporal-runtime.ts';

export const ENGINES = ['local', 'temporal'] as const;
export type EngineName = (typeof ENGINES)[number];

/** Why the suite cannot run on this engine here (skipped, loudly), or null; throws when Temporal is required. */
export const engineUnavailable = (engine: EngineName) =>
  engine === 'temporal' ? temporalUnavailable('dev-server') : null;
