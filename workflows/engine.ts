// The ItemEngine port: the one way commands reach an item, whichever runtime drives it
// (local: a PostgreSQL transaction per command; temporal: a workflow per item).
import type { DbOrTx } from '../db/client.ts';
import type { Actor, DomainError, ItemCommand, ItemEvent, ItemState } from '../domain/item/types.ts';

export interface CommandRequest {
  itemId: string;
  command: ItemCommand;
  /** null for commands the runtime itself sends (tick). */
  actor: Actor | null;
  /** If-Match: refuse with VersionConflict unless the item is at this version. */
  expectedVersion?: number;
  /** The org subtree the caller may see (null: everything). When given, an item outside it is
   * refused with ItemNotFound, exactly as a missing one: a command must not reveal what exists. */
  scopePath?: string | null;
  /** The same id on a retry of the same request (the API derives it from the user's Idempotency-Key). A
   * runtime that can answer "maybe applied" (Temporal: the Update id) applies a request with a given id once. */
  requestId?: string;
  /** The caller's answer to keep with the command's own write (an Idempotency-Key's): it commits, or not, with
   * the events, so a retry after a crash between commit and reply gets it back. The local runtime writes it in
   * the command's statement or transaction; Temporal ignores it (its Update id already applies a request once). */
  answer?: CommandAnswer;
}

export interface CommandAnswer {
  userId: string;
  key: string;
  /** The answer for this outcome: HTTP status and body as JSON text. Called before the write commits. */
  render(outcome: CommandOutcome): Promise<{ status: number; body: string }>;
}

export interface StoredEvent {
  seq: number;
  event: ItemEvent;
  hash: string;
}

export interface CommandOutcome {
  state: ItemState;
  events: StoredEvent[];
  /** The item's number in its campaign's ledger (序号), given by the runtime when it is reported. */
  ledgerNo: number;
}

export interface ItemEngine {
  execute(req: CommandRequest): Promise<CommandOutcome>;
  /**
   * Optional: several commands on different items at once (the notifier records its notices this way).
   * Each succeeds or fails on its own; the local runtime commits them together (one WAL flush, not one each).
   */
  executeMany?(reqs: CommandRequest[]): Promise<(CommandOutcome | { error: Error })[]>;
  /**
   * Optional: groups of commands applied as ONE unit of work — every group or none (the ledger import:
   * each row reports an item and perhaps assigns it). `after(i, tx)` runs inside the same unit right
   * after group i (what the caller records beside it). The first failure aborts everything and is
   * thrown as GroupFailed naming the group. A runtime that cannot (Temporal: one workflow per item,
   * no shared transaction) leaves it out, and its callers refuse with engine_unavailable.
   */
  executeAll?(groups: CommandRequest[][], after?: (index: number, tx: DbOrTx) => Promise<void>): Promise<void>;
}

/** Group `index` of an executeAll failed; nothing of the batch was applied. `cause` says why. */
export class GroupFailed extends Error {
  constructor(
    readonly index: number,
    options: { cause: unknown },
  ) {
    const e = options.cause as Error & { cause?: Error };
    // A database error says why in `cause` (drizzle's own message is the whole query).
    super(e.cause?.message ?? e.message, options);
  }
}

/** The decider refused the command; `error` says which rule and what is allowed now. */
export class CommandRefused extends Error {
  constructor(readonly error: DomainError) {
    super(error.message);
  }
}

export class VersionConflict extends Error {
  constructor(
    readonly itemId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`item ${itemId} is at version ${actual}, not ${expected}: reload it and try again`);
  }
}

export class ItemNotFound extends Error {
  constructor(readonly itemId: string) {
    super(`item ${itemId} not found`);
  }
}

/** The clock the runtime reads; tests pass one they can move. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/**
 * The runtime behind the port could not be reached (e.g. the Temporal frontend is down or did not
 * answer in time). `applied`: false when the command certainly never reached the runtime; 'unknown'
 * when it may have been accepted before the answer was lost (the caller should reload, not blindly retry).
 */
export class EngineUnavailable extends Error {
  constructor(
    message: string,
    readonly applied: false | 'unknown',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
