// The client adapter's error mapping. The failures are built as the workflow builds them and sent
// through Temporal's own failure converter (what the worker encodes and the client decodes), so
// the port error the API sees carries the same problem code and details as with the local runtime.
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import {
  ApplicationFailure,
  defaultFailureConverter,
  defaultPayloadConverter,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../domain/item/types.ts';
import { CommandRefused, EngineUnavailable, ItemNotFound, VersionConflict } from '../../workflows/engine.ts';
import { FAILURE } from '../../workflows/temporal/item.workflow.ts';
import { portError } from '../../workflows/temporal/temporal-engine.ts';

/** Encode as the worker does, decode as the client does, wrap as the client's executeUpdate does. */
function overTheWire(f: ApplicationFailure): WorkflowUpdateFailedError {
  const proto = defaultFailureConverter.errorToFailure(f, defaultPayloadConverter);
  return new WorkflowUpdateFailedError(
    'Workflow Update failed',
    defaultFailureConverter.failureToError(proto, defaultPayloadConverter),
  );
}

const refusal: DomainError = {
  code: 'invalid_transition',
  message: 'accept needs the item to be assigned, but it is reported',
  allowed: ['assign', 'dismiss', 'comment'],
};

describe('portError', () => {
  it('turns a refusal into CommandRefused with the domain error intact', () => {
    const err = portError(
      overTheWire(
        ApplicationFailure.create({
          type: FAILURE.refused,
          message: refusal.message,
          details: [refusal],
          nonRetryable: true,
        }),
      ),
      'i1',
      'x:7233',
      10_000,
    );
    expect(err).toBeInstanceOf(CommandRefused);
    expect((err as CommandRefused).error).toEqual(refusal);
  });

  it('turns version conflicts and unknown items into the port errors', () => {
    const vc = portError(
      overTheWire(
        ApplicationFailure.create({
          type: FAILURE.versionConflict,
          details: [{ expected: 1, actual: 3 }],
          nonRetryable: true,
        }),
      ),
      'i1',
      'x:7233',
      10_000,
    );
    expect(vc).toBeInstanceOf(VersionConflict);
    expect(vc).toMatchObject({ itemId: 'i1', expected: 1, actual: 3 });
    expect(
      portError(overTheWire(ApplicationFailure.create({ type: FAILURE.notFound, nonRetryable: true })), 'i1', 'x', 1),
    ).toBeInstanceOf(ItemNotFound);
    expect(portError(new WorkflowNotFoundError('not found', 'item-i1', undefined), 'i1', 'x', 1)).toBeInstanceOf(
      ItemNotFound,
    );
  });

  it('keeps other workflow failures as errors (500), naming the item and the failure', () => {
    const err = portError(
      overTheWire(
        ApplicationFailure.create({
          type: FAILURE.diverged,
          message: 'trail and workflow disagree',
          nonRetryable: true,
        }),
      ),
      'i1',
      'x',
      1,
    );
    expect(err).not.toBeInstanceOf(CommandRefused);
    expect((err as Error).message).toBe(
      'item i1: the workflow failed the command: LedgerDiverged: trail and workflow disagree',
    );
  });

  it('reports an unanswered update as EngineUnavailable with an unknown outcome', () => {
    const err = portError(
      new WorkflowUpdateRPCTimeoutOrCancelledError('Timeout expired'),
      'i1',
      'temporal:7233',
      10_000,
    );
    expect(err).toBeInstanceOf(EngineUnavailable);
    expect(err).toMatchObject({ applied: 'unknown' });
    expect((err as Error).message).toContain('Temporal at temporal:7233 gave no answer for item i1 within 10000 ms');
  });
});
