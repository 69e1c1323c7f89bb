// The client adapter's error mapping. The failures are built as the workflow builds them and sent
// through Temporal's own failure converter (what the worker encodes and the client decodes), so
// the port error the API sees carries the same problem code and details as with the local runtime.
import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  defaultFailureConverter,
  defaultPayloadConverter,
  RetryState,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../domain/item/types.ts';
import { CommandRefused, EngineUnavailable, ItemNotFound, VersionConflict } from '../../workflows/engine.ts';
import { FAILURE } from '../../workflows/temporal/item.workflow.ts';
import { portError, workflowNotReady } from '../../workflows/temporal/temporal-engine.ts';

/** Encode as the worker does, decode as the client does, wrap as the client's executeUpdate does. */
function overTheWire(f: ApplicationFailure | ActivityFailure): WorkflowUpdateFailedError {
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

  it("names the failure an activity passed up (the persist activity's LedgerDiverged)", () => {
    const diverged = ApplicationFailure.create({
      type: FAILURE.diverged,
      message: 'the row is at 19',
      nonRetryable: true,
    });
    const err = portError(
      overTheWire(
        new ActivityFailure('activity failed', 'persistEvents', '3', RetryState.NON_RETRYABLE_FAILURE, 'w', diverged),
      ),
      'i1',
      'x',
      1,
    );
    expect((err as Error).message).toBe('item i1: the workflow failed the command: LedgerDiverged: the row is at 19');
  });

  it('turns "Workflow Task in failed state" into EngineUnavailable (503), not an internal error', () => {
    // As the client throws it: the Update was refused before admission (WorkflowNotReady, gRPC 9).
    const grpc = Object.assign(
      new Error(
        '9 FAILED_PRECONDITION: Unable to perform workflow execution update due to Workflow Task in failed state.',
      ),
      { code: 9, details: 'Unable to perform workflow execution update due to Workflow Task in failed state.' },
    );
    const refused = new ServiceError('Workflow Update failed', { cause: grpc });
    expect(workflowNotReady(refused)).toBe(true);
    const plain = portError(refused, 'i1', 'x', 10_000);
    expect(plain).toBeInstanceOf(EngineUnavailable);
    expect(plain).toMatchObject({ applied: false });
    expect((plain as Error).message).toContain("the item's workflow task keeps failing");
    // With the user's key as the Update id an earlier request may have been admitted: the outcome is unknown.
    expect(portError(refused, 'i1', 'x', 10_000, 'key-1')).toMatchObject({ applied: 'unknown' });
    // Another FAILED_PRECONDITION is not this one.
    const other = new ServiceError('Workflow Update failed', { cause: Object.assign(new Error('9 x'), { code: 9 }) });
    expect(workflowNotReady(other)).toBe(false);
    expect(portError(other, 'i1', 'x', 1)).toBe(other);
  });
});
