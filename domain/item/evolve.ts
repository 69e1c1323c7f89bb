// evolve: the item's state is the left fold of its events. No rule is checked here — decide
// already did — so replaying a stored trail always succeeds and gives the same state.
import type { ItemEvent, ItemState } from './types.ts';

/** Evidence references accumulate over the item's life (progress, milestones, submissions), without duplicates. */
function addEvidence(have: string[], more: string[]): string[] {
  const out = [...have];
  for (const e of more) if (!out.includes(e)) out.push(e);
  return out;
}

/** A new deadline starts a new clock: reminders, overdue and escalation all start over. */
const freshDeadline = {
  overdue: false,
  overdueSince: null,
  escalationLevel: 0,
  remindersSent: [] as number[],
} satisfies Partial<ItemState>;

/** A new submission or a return starts the sign-off over: no steps decided, no 公示 (keys left out, not null,
 * so states of campaigns without a chain look as they always did). */
function freshSignOff(s: ItemState): ItemState {
  const { signOff: _steps, publicNotice: _notice, ...rest } = s;
  return rest;
}

/**
 * Events that only record what the system did about the item (a notice sent, a reminder issued, a document
 * issued): they count in `version` but leave `changedVersion`, so they do not make a person's view stale.
 */
const RECORDS: ReadonlySet<ItemEvent['type']> = new Set(['NoticeSent', 'ReminderIssued', 'DocumentIssued']);

/**
 * If-Match: the caller last saw `seen`. It still stands when nothing but records came after it — a
 * village cadre who opened the item is not refused because a notice of it was recorded meanwhile. A
 * version the item never reached, or one before a change, does not stand. States stored before
 * `changedVersion` existed are strict (it falls back to `version`).
 */
export function seenVersionStands(state: ItemState, seen: number): boolean {
  return seen <= state.version && seen >= (state.changedVersion ?? state.version);
}

export function evolve(state: ItemState | null, event: ItemEvent): ItemState {
  if (event.type === 'ItemReported') {
    const d = event.data;
    return {
      id: d.itemId,
      campaignId: d.campaignId,
      categoryId: d.categoryId,
      status: 'reported',
      version: 1,
      changedVersion: 1,
      source: d.source,
      title: d.title,
      description: d.description,
      person: d.person,
      location: d.location,
      monitoredSince: d.monitoredSince ?? null,
      screeningRoundId: d.screeningRoundId ?? null,
      reportedAt: event.at,
      reportedBy: event.actorId ?? '',
      reportingUnit: d.reportingUnit,
      ownerUnit: d.ownerUnit,
      leadUnit: d.leadUnit,
      responsibleUnit: null,
      assignedBy: null,
      assignedAt: null,
      acceptedAt: null,
      mode: null,
      measures: null,
      deadline: null,
      deadlineProvisional: false,
      deadlineWorkingDays: null,
      milestones: [],
      progressCount: 0,
      substantiveProgressCount: 0,
      lastProgressAt: null,
      extensionRequest: null,
      extensionsGranted: 0,
      submittedAt: null,
      submittedBy: null,
      summary: null,
      evidence: [],
      closedAt: null,
      closedBy: null,
      verifiedAt: null,
      dismissedAt: null,
      rejectCount: 0,
      reopenCount: 0,
      ...freshDeadline,
      flagged: false,
      flagReason: null,
      everFlagged: false,
      recheck: null,
      qualityWarnings: [],
      evidenceWarnings: [],
      feedbackRequired: d.source === 'petition' || d.source === 'hotline',
    };
  }
  if (!state) throw new Error(`${event.type} cannot be applied before ItemReported`);
  const version = state.version + 1;
  const changedVersion = RECORDS.has(event.type) ? (state.changedVersion ?? state.version) : version;
  const s: ItemState = { ...state, version, changedVersion };

  switch (event.type) {
    case 'ItemAssigned': {
      const d = event.data;
      return {
        ...s,
        ...freshDeadline,
        status: 'assigned',
        responsibleUnit: d.responsibleUnit,
        measures: d.measures,
        mode: d.mode,
        assignedBy: event.actorId,
        assignedAt: event.at,
        acceptedAt: null,
        deadline: d.deadline,
        deadlineProvisional: d.deadlineProvisional,
        deadlineWorkingDays: d.deadlineWorkingDays,
        milestones: d.milestones.map((m) => ({ ...m, completedAt: null })),
      };
    }
    case 'ItemAccepted':
      return { ...s, status: 'in_progress', acceptedAt: event.at };
    case 'ProgressRecorded':
      return {
        ...s,
        progressCount: s.progressCount + 1,
        lastProgressAt: event.at,
        substantiveProgressCount: s.substantiveProgressCount + (event.data.substantive ? 1 : 0),
        evidence: addEvidence(s.evidence, event.data.evidence),
      };
    case 'MilestoneCompleted': {
      const { milestoneId, note, evidence } = event.data;
      return {
        ...s,
        lastProgressAt: event.at,
        evidence: addEvidence(s.evidence, evidence),
        milestones: s.milestones.map((m) =>
          m.id !== milestoneId ? m : { ...m, completedAt: event.at, ...(note !== null ? { note } : {}) },
        ),
      };
    }
    case 'ExtensionRequested':
      return {
        ...s,
        extensionRequest: {
          requestedBy: event.actorId ?? '',
          requestedAt: event.at,
          newDeadline: event.data.newDeadline,
          reason: event.data.reason,
        },
      };
    case 'ExtensionDecided':
      if (!event.data.approved || event.data.newDeadline === null) return { ...s, extensionRequest: null };
      return {
        ...s,
        ...freshDeadline,
        extensionRequest: null,
        extensionsGranted: s.extensionsGranted + 1,
        deadline: event.data.newDeadline,
        deadlineProvisional: false,
        deadlineWorkingDays: null,
      };
    case 'ItemTransferred':
      // The new unit must accept; a pending extension was the old unit's request.
      return { ...s, status: 'assigned', responsibleUnit: event.data.to, acceptedAt: null, extensionRequest: null };
    case 'ItemSubmitted':
      return {
        ...freshSignOff(s),
        status: 'submitted',
        submittedAt: event.at,
        submittedBy: event.actorId,
        reviewRemindedAt: null,
        summary: event.data.summary,
        evidence: addEvidence(s.evidence, event.data.evidence),
      };
    case 'ItemApproved':
      return {
        ...s,
        status: 'closed',
        closedAt: event.at,
        // After a 公示 the runtime closes the item: the sign-off is the last step's decider's.
        closedBy: event.actorId ?? s.signOff?.approvals.at(-1)?.by ?? null,
        extensionRequest: null,
        recheck: null,
      };
    case 'ItemRejected':
      return {
        ...freshSignOff(s),
        status: 'in_progress',
        rejectCount: s.rejectCount + 1,
        submittedAt: null,
        submittedBy: null,
      };
    case 'SignOffStepApproved':
      return {
        ...s,
        signOff: {
          approvals: [
            ...(s.signOff?.approvals ?? []),
            { stepId: event.data.stepId, by: event.actorId ?? '', at: event.at },
          ],
        },
      };
    case 'PublicNoticeStarted':
      return {
        ...s,
        publicNotice: {
          startedAt: event.at,
          endsOn: event.data.endsOn,
          endsAt: event.data.endsAt,
          evidence: event.data.evidence,
          objections: [],
          endedAt: null,
        },
      };
    case 'ObjectionFiled':
      if (!s.publicNotice) return s;
      return {
        ...s,
        publicNotice: {
          ...s.publicNotice,
          objections: [
            ...s.publicNotice.objections,
            { id: event.data.objectionId, at: event.at, text: event.data.text, resolution: null },
          ],
        },
      };
    case 'ObjectionResolved':
      if (!s.publicNotice) return s;
      return {
        ...s,
        publicNotice: {
          ...s.publicNotice,
          objections: s.publicNotice.objections.map((o) =>
            o.id === event.data.objectionId
              ? {
                  ...o,
                  resolution: {
                    upheld: event.data.upheld,
                    by: event.actorId ?? '',
                    at: event.at,
                    note: event.data.note,
                  },
                }
              : o,
          ),
        },
      };
    case 'PublicNoticeEnded':
      return s.publicNotice ? { ...s, publicNotice: { ...s.publicNotice, endedAt: event.at } } : s;
    case 'RecheckScheduled':
      // A look-back (回头看) puts a verified item back to closed until it is rechecked again.
      return {
        ...s,
        recheck: { reason: event.data.reason, dueBy: event.data.dueBy },
        ...(s.status === 'verified' ? { status: 'closed' as const, verifiedAt: null } : {}),
      };
    case 'RecheckPassed':
    case 'RecheckFailed':
      return { ...s, recheck: null };
    case 'ItemReopened':
      return {
        ...s,
        ...freshDeadline,
        status: 'in_progress',
        reopenCount: event.data.reopenCount,
        deadline: event.data.deadline,
        deadlineProvisional: event.data.deadlineProvisional,
        deadlineWorkingDays: event.data.deadlineWorkingDays ?? null,
        closedAt: null,
        closedBy: null,
        submittedAt: null,
        submittedBy: null,
        recheck: null,
      };
    case 'ItemVerified':
      return { ...s, status: 'verified', verifiedAt: event.at, recheck: null };
    case 'ItemDismissed':
      return { ...s, status: 'dismissed', dismissedAt: event.at, extensionRequest: null };
    case 'ItemFlagged':
      return {
        ...s,
        flagged: true,
        flagReason: event.data.reason,
        everFlagged: true,
        supervision: {
          level: event.data.level ?? 'guapai',
          dueOn: event.data.dueOn ?? null,
          since: event.at,
          remindersSent: [],
          overdueAt: null,
        },
      };
    case 'ItemUnflagged':
      return { ...s, flagged: false, flagReason: null, supervision: null };
    case 'CommentAdded':
    case 'ReporterFeedbackDue':
      return s;
    case 'ReminderIssued':
      if (event.data.kind === 'recheck_due') {
        return s.recheck ? { ...s, recheck: { ...s.recheck, remindedAt: event.at } } : s;
      }
      if (event.data.kind === 'review_waiting') return { ...s, reviewRemindedAt: event.at };
      if (event.data.kind === 'supervision_approaching' || event.data.kind === 'supervision_overdue') {
        if (!s.supervision) return s;
        return event.data.kind === 'supervision_overdue'
          ? { ...s, supervision: { ...s.supervision, overdueAt: event.data.dueAt } }
          : {
              ...s,
              supervision: {
                ...s.supervision,
                remindersSent: [...s.supervision.remindersSent, event.data.daysBefore ?? 0],
              },
            };
      }
      return { ...s, remindersSent: [...s.remindersSent, event.data.daysBefore ?? 0] };
    case 'NoticeSent':
      return { ...s, noticesRecorded: [...(s.noticesRecorded ?? []), event.data.causeSeq] };
    case 'DocumentIssued':
      return { ...s, documentsRecorded: [...(s.documentsRecorded ?? []), event.data.documentId] };
    case 'DeadlineMissed':
      return { ...s, overdue: true, overdueSince: event.data.dueAt };
    case 'Escalated':
      return { ...s, escalationLevel: Math.max(s.escalationLevel, event.data.level) };
    case 'QualityWarningRaised':
      return { ...s, qualityWarnings: [...s.qualityWarnings, event.data] };
    case 'EvidenceWarningRaised':
      return {
        ...s,
        evidenceWarnings: [...(s.evidenceWarnings ?? []), { ...event.data, raisedAt: event.at, dismissed: null }],
      };
    case 'EvidenceWarningDismissed':
      return {
        ...s,
        evidenceWarnings: (s.evidenceWarnings ?? []).map((w) =>
          w.id !== event.data.warningId
            ? w
            : { ...w, dismissed: { at: event.at, by: event.actorId ?? '', reason: event.data.reason } },
        ),
      };
    case 'DeadlineRecomputed': {
      const moved = event.data.deadline !== s.deadline;
      return {
        ...s,
        ...(moved ? freshDeadline : {}),
        deadline: event.data.deadline,
        deadlineProvisional: event.data.deadlineProvisional,
      };
    }
    case 'ItemImported': {
      const d = event.data;
      const has = (st: ItemState['status'][]) => st.includes(d.status);
      const closedAt = d.closedOn && d.closedOn <= event.at.slice(0, 10) ? `${d.closedOn}T04:00:00.000Z` : event.at;
      return {
        ...s,
        ...freshDeadline,
        status: d.status,
        responsibleUnit: d.responsibleUnit,
        measures: d.measures,
        mode: d.mode,
        assignedBy: d.responsibleUnit ? event.actorId : null,
        assignedAt: d.responsibleUnit ? event.at : null,
        acceptedAt: has(['in_progress', 'submitted', 'closed']) ? event.at : null,
        deadline: d.deadline,
        milestones: d.milestones.map((m) => ({
          id: m.id,
          title: m.title,
          dueOn: m.dueOn,
          completedAt: m.done ? event.at : null,
        })),
        submittedAt: d.status === 'submitted' ? event.at : null,
        submittedBy: d.status === 'submitted' ? event.actorId : null,
        closedAt: d.status === 'closed' ? closedAt : null,
        closedBy: d.status === 'closed' ? event.actorId : null,
        dismissedAt: d.status === 'dismissed' ? event.at : null,
        // Overdue since the import, so escalation counts from now and an old ledger does not fire a
        // year of reminders at once; the deadline itself stays as written.
        overdue: d.overdue,
        overdueSince: d.overdue ? event.at : null,
        imported: {
          statusText: d.statusText,
          deadlineText: d.deadlineText,
          partial: d.partial,
          standing: d.standing,
          signedOff: d.signedOff,
          origin: d.origin,
          overdueAtImport: d.overdue,
        },
      };
    }
    default: {
      const _exhaustive: never = event;
      throw new Error(`unknown event ${(_exhaustive as { type: string }).type}`);
    }
  }
}

/** The state after a trail of events (null for an empty trail). */
export function fold(events: readonly ItemEvent[], from: ItemState | null = null): ItemState | null {
  let s = from;
  for (const e of events) s = evolve(s, e);
  return s;
}
