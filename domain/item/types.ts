// The item (整改问题, one ledger row): its state, commands, events and refusals.
// Everything here is plain JSON — ISO strings for instants, YYYY-MM-DD for calendar dates —
// because the same values travel through PostgreSQL jsonb and Temporal's JSON payloads.

import type { Message } from '../messages/index.ts';
import type { CalendarData } from '../calendar/calendar.ts';

export const ITEM_STATUSES = [
  'reported',
  'assigned',
  'in_progress',
  'submitted',
  'closed',
  'verified',
  'dismissed',
] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** 问题来源 */
export const ITEM_SOURCES = [
  'self_report',
  'screening',
  'department_screening',
  'third_party',
  'inspection',
  'audit',
  'petition',
  'hotline',
] as const;
export type ItemSource = (typeof ITEM_SOURCES)[number];

export const ROLES = ['admin', 'supervisor', 'lead', 'handler', 'inspector', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** A unit as the decider sees it: id plus its materialized tree path ("/<id>/<id>/"). */
export interface UnitRef {
  id: string;
  path: string;
}

/** Who issues a command. `unitPath` is the actor's unit path; scope = every path starting with it. */
export interface Actor {
  userId: string;
  unitId: string;
  unitPath: string;
  roles: Role[];
  /** Added: the kind of the nearest administrative unit above or at the actor's unit (county, township,
   * village); absent when unknown — then never the county level that rechecks petition items. */
  level?: string | null;
}

/** The household or petitioner concerned (personal data: masked for roles that do not need it). */
export interface Person {
  name?: string;
  phone?: string;
  idNumber?: string;
  address?: string;
}

/** 立行立改 | 限期整改 */
type RectificationMode = 'immediate' | 'phased';

interface Milestone {
  id: string;
  title: string;
  dueOn: string;
  completedAt: string | null;
  note?: string;
}

type QualityWarningCode =
  | 'fast_in_fast_out' // 快进快出: closed in the same or next month as reported, no substantive measures
  | 'included_not_helped'; // 纳而不帮: no measure (措施) recorded within one month of 纳入监测 (else of assignment)

export interface QualityWarning {
  code: QualityWarningCode;
  raisedAt: string;
  /** The text as rendered when raised; `message` (absent on old events) words it again. */
  detail: string;
  message?: Message;
}

/** 纸面销号 guard: why a piece of evidence looks like paper work rather than real work. */
export type EvidenceWarningCode =
  | 'same_file_elsewhere' // the same file is evidence on an item of another household, village or unit
  | 'near_duplicate_photo' // a photo nearly identical (resized, cropped, recompressed) to another item's
  | 'photo_before_report' // EXIF capture time earlier than the problem was reported
  | 'photo_far_away' // EXIF GPS far from the item's place
  | 'last_minute_bulk'; // signed off with evidence uploaded in bulk in the last minutes before the deadline

export const EVIDENCE_WARNING_CODES: readonly EvidenceWarningCode[] = [
  'same_file_elsewhere',
  'near_duplicate_photo',
  'photo_before_report',
  'photo_far_away',
  'last_minute_bulk',
];

export interface EvidenceWarning {
  id: string;
  code: EvidenceWarningCode;
  raisedAt: string;
  detail: string;
  /** The evidence (attachment ids) on this item that the warning is about. */
  attachmentIds: string[];
  /** The other items and attachments it points to (same file, near-duplicate photo). */
  related: { itemId: string; attachmentId: string }[];
  dismissed: { at: string; by: string; reason: string } | null;
}

/** `verification`: drawn by a verification round (核查抽样, 001 §三(五)). */
export type RecheckReason = 'petition' | 'flagged' | 'sampled' | 'look_back' | 'verification';

/**
 * 督办 levels (004 §二: 挂牌督办): a supervising office puts an item under 督办 (supervised) or
 * 挂牌督办 (listed for supervision, the heavier level), with a reason and its own 督办 deadline.
 */
export const SUPERVISION_LEVELS = ['duban', 'guapai'] as const;
export type SupervisionLevel = (typeof SUPERVISION_LEVELS)[number];

export interface Supervision {
  level: SupervisionLevel;
  /** The 督办 deadline (YYYY-MM-DD); null when none was set (e.g. 挂牌 by escalation). */
  dueOn: string | null;
  since: string;
  /** Reminder steps already sent for this 督办 deadline (days before), so each fires once. */
  remindersSent: number[];
  /** When the 督办 deadline passed with the item still open. */
  overdueAt: string | null;
}

/**
 * One step of a sign-off chain (销号 by level, 000 §七: 县乡村三级台账 … 销号管理): who decides it. Without
 * `unit` the deciders are leads/supervisors in the item's scope (the township's lead office, the campaign
 * office); with it, users of that unit's subtree (e.g. the county office that confirms).
 */
export interface SignOffStep {
  id: string;
  /** The step's name as people say it, e.g. 镇牵头部门审核, 县级复核确认. */
  name: string;
  roles: ('lead' | 'supervisor')[];
  unit?: UnitRef | null;
  /** 'serious': only petition/hotline items and items put under 督办. */
  onlyFor?: 'serious' | null;
}

/** An objection (异议) filed during a 公示, as the item holds it (the filer's contact stays outside the trail). */
export interface Objection {
  id: string;
  at: string;
  text: string;
  resolution: { upheld: boolean; by: string; at: string; note: string } | null;
}

/** Per-campaign settings that the rules read (stored with the campaign, passed in the context). */
export interface CampaignSettings {
  /** Count deadlines and escalation grace periods in working days on the official calendar. */
  workingDays: boolean;
  /** Default deadline for 立行立改 items, in (working) days after assignment. */
  immediateDays: number;
  /** Reminders before the deadline, in (working) days, e.g. [3, 1]. */
  remindBeforeDays: number[];
  /** Escalation after a missed deadline: each step fires once, `afterDays` after the deadline. */
  escalationSteps: { level: number; afterDays: number; target: 'handler' | 'unit_head' | 'supervisor' | 'flag' }[];
  /** Share of closed items (not mandatory) selected for recheck, 0..1, and the seed that makes it reproducible. */
  recheckRate: number;
  recheckSeed: string;
  /** Days after closing within which a recheck must happen; unselected items count as verified after it. */
  recheckWindowDays: number;
  /** Deadline given to an item that failed its recheck (反弹), in (working) days. */
  reopenDays: number;
  /** 纳而不帮: months after 纳入监测 (or assignment, when that day is unknown) without a measure before the warning. */
  noMeasuresWarningMonths: number;
  /** Added: a submission waiting longer than this many (working) days for review reminds the reviewers. Default 5. */
  reviewLimitDays?: number;
  /** Added: the chain a sign-off passes (absent or empty: one review, as before). */
  signOffChain?: SignOffStep[];
  /** Added: the public side (公示); off when absent. `noticeWorkingDays` > 0: a 公示 before a sign-off takes effect. */
  publicSide?: { enabled: boolean; noticeWorkingDays: number };
  /** Added: offices the campaign names to recheck petition items (信访) besides the county level (000 §七). */
  petitionRecheckUnits?: UnitRef[];
  /** Added: false lets any inspector outside the unit recheck a petition item (default true: county, 000 §七). */
  petitionRecheckByCounty?: boolean;
}

export interface ItemState {
  id: string;
  campaignId: string;
  categoryId: string | null;
  status: ItemStatus;
  /** Number of events applied (= sequence number of the last event). */
  version: number;
  /**
   * Added: the version of the last event that changed the item as a person sees it (records of notices,
   * reminders and documents issued leave it); an If-Match between it and `version` still stands.
   */
  changedVersion?: number;
  source: ItemSource;
  title: string;
  description: string;
  person: Person | null;
  /** Where the problem is (village, household address) — free text. */
  location: string | null;
  /** Added: the day (YYYY-MM-DD) the household was brought into monitoring (纳入监测), when known. */
  monitoredSince?: string | null;
  /** Added: the concentrated screening round (集中排查) that found the problem, when it came from one. */
  screeningRoundId?: string | null;
  reportedAt: string;
  reportedBy: string;
  reportingUnit: UnitRef;
  /** The campaign office's unit and the category's lead unit: both see and steer the item. */
  ownerUnit: UnitRef;
  leadUnit: UnitRef | null;
  responsibleUnit: UnitRef | null;
  assignedBy: string | null;
  assignedAt: string | null;
  acceptedAt: string | null;
  mode: RectificationMode | null;
  measures: string | null;
  /** 整改时限: the last day (YYYY-MM-DD, Asia/Shanghai); the deadline instant is the end of that day. */
  deadline: string | null;
  /** True while the deadline was counted through a year without calendar data. */
  deadlineProvisional: boolean;
  /** When the deadline was given as working days, how many, so it can be recomputed. */
  deadlineWorkingDays: { from: string; days: number } | null;
  milestones: Milestone[];
  progressCount: number;
  substantiveProgressCount: number;
  lastProgressAt: string | null;
  extensionRequest: { requestedBy: string; requestedAt: string; newDeadline: string; reason: string } | null;
  extensionsGranted: number;
  submittedAt: string | null;
  submittedBy: string | null;
  summary: string | null;
  evidence: string[];
  closedAt: string | null;
  closedBy: string | null;
  verifiedAt: string | null;
  dismissedAt: string | null;
  rejectCount: number;
  reopenCount: number;
  overdue: boolean;
  overdueSince: string | null;
  escalationLevel: number;
  /** Reminder steps already sent for the current deadline (days before), so each fires once. */
  remindersSent: number[];
  /** Under 督办 of either level (see `supervision` for the level and its deadline). */
  flagged: boolean;
  flagReason: string | null;
  /** Added: the 督办 level and deadline while flagged; absent on states stored before (then 挂牌督办). */
  supervision?: Supervision | null;
  /** Added: was the item ever flagged (挂牌督办)? Flagged items are always rechecked, even after unflag. */
  everFlagged?: boolean;
  /** Added `remindedAt`: when the recheck_due reminder fired, so it fires once. */
  recheck: { reason: RecheckReason; dueBy: string; remindedAt?: string } | null;
  qualityWarnings: QualityWarning[];
  /** Added with evidence files: paper sign-off (纸面销号) warnings; absent on states stored before. */
  evidenceWarnings?: EvidenceWarning[];
  /** Petition/hotline items: the outcome must go back to the reporter (事事有回音). */
  feedbackRequired: boolean;
  /** Added: the steps of the current submission's sign-off chain decided so far (reset by submit and return). */
  signOff?: { approvals: { stepId: string; by: string; at: string }[] } | null;
  /** Added: the 公示 of the current sign-off, while it runs and until the item closes or is returned. */
  publicNotice?: {
    startedAt: string;
    endsOn: string;
    endsAt: string;
    /** The evidence (attachment ids) the office chose to show on the public page. */
    evidence: string[];
    objections: Objection[];
    endedAt: string | null;
  } | null;
  /** Added: when the current submission's review_waiting reminder fired (reset by each submission). */
  reviewRemindedAt?: string | null;
  /** Added: sequence numbers of the events whose notices are recorded in the trail (催办记录), so each is recorded once. */
  noticesRecorded?: number[];
  /** Added: the register ids of the official documents issued about this item and recorded in its trail. */
  documentsRecorded?: string[];
  /** Added with ledger import: the words the item came in with (absent on items not imported with a state). */
  imported?: Pick<ImportedState, 'statusText' | 'deadlineText' | 'partial' | 'standing' | 'signedOff' | 'origin'> & {
    /** The deadline had passed when the item was imported (overdue history). */
    overdueAtImport: boolean;
  };
}

// ---------------------------------------------------------------- commands

export type ItemCommand =
  | {
      type: 'report';
      itemId: string;
      campaignId: string;
      categoryId: string | null;
      source: ItemSource;
      title: string;
      description: string;
      person?: Person | null;
      location?: string | null;
      /** 纳入监测: the day the household was brought into monitoring (003 §二(一)), when known. */
      monitoredSince?: string | null;
      /** 集中排查: the screening round that found it (003 §二(一)). */
      screeningRoundId?: string | null;
      reportingUnit: UnitRef;
      ownerUnit: UnitRef;
      leadUnit: UnitRef | null;
    }
  | {
      type: 'assign';
      responsibleUnit: UnitRef;
      measures: string;
      mode: RectificationMode;
      /** Either a last day, or a number of (working) days from today; immediate items default to settings.immediateDays. */
      deadline?: string;
      days?: number;
      milestones?: { id: string; title: string; dueOn: string }[];
    }
  | { type: 'accept' }
  | { type: 'record_progress'; note: string; substantive?: boolean; evidence?: string[] }
  | { type: 'complete_milestone'; milestoneId: string; note?: string; evidence?: string[] }
  | { type: 'request_extension'; newDeadline: string; reason: string }
  | { type: 'decide_extension'; approve: boolean; note?: string }
  | { type: 'transfer'; responsibleUnit: UnitRef; reason: string }
  | { type: 'submit'; summary: string; evidence: string[] }
  /** `publicEvidence`: at the last step of a chain with a 公示, the evidence shown on the public page. */
  | { type: 'approve'; note?: string; publicEvidence?: string[] }
  /** An objection (异议) to a sign-off in its 公示 — filed by the public, sent by the runtime (actor null). */
  | { type: 'file_objection'; objectionId: string; text: string }
  /** The reviewer's answer to an objection: upheld (the sign-off is returned) or not (it goes on). */
  | { type: 'resolve_objection'; objectionId: string; upheld: boolean; note: string }
  | { type: 'reject'; reason: string }
  | { type: 'recheck'; passed: boolean; findings: string; evidence?: string[]; deadline?: string }
  | { type: 'dismiss'; reason: string }
  /** 督办 / 挂牌督办 (level defaults to 挂牌督办), with an optional 督办 deadline. */
  | { type: 'flag'; reason: string; level?: SupervisionLevel; dueOn?: string }
  | { type: 'unflag'; reason: string }
  | { type: 'comment'; text: string }
  /** Time passing; sent by the runtime at nextWake (or later, after downtime). */
  | { type: 'tick' }
  /** Select a closed or verified item again (回头看) — sent by an acceptance round. */
  | { type: 'schedule_recheck'; reason: 'look_back' | 'verification'; dueBy: string }
  /** Record in the trail who was told about which event (催办记录) — sent by the notifier; each cause is recorded once. */
  | {
      type: 'record_notice';
      notices: { causeSeq: number; kind: NoticeKind; recipients: NoticeRecipient[]; channels: string[] }[];
    }
  /** Record in the trail the official documents issued about the item (交办单, 督办通知, 销号审批表) — sent by the
   * documents service after the register committed them; each document is recorded once. */
  | { type: 'record_document'; documents: IssuedItemDocument[] }
  /** The paper sign-off guard's findings, sent by the runtime after a command cited evidence. */
  | { type: 'raise_evidence_warnings'; warnings: Omit<EvidenceWarning, 'raisedAt' | 'dismissed'>[] }
  /** A reviewer sets a warning aside, saying why. */
  | { type: 'dismiss_evidence_warning'; warningId: string; reason: string }
  /** A ledger row brought in with the state its words say (已销号, 整改中 …), right after its report. */
  | ({ type: 'import_state' } & ImportedState);

/** What a ledger import says about an item beyond its report: where it stands, in the office's words. */
export interface ImportedState {
  status: 'reported' | 'assigned' | 'in_progress' | 'submitted' | 'closed' | 'dismissed';
  responsibleUnit: UnitRef | null;
  measures: string | null;
  mode: RectificationMode | null;
  /** May lie in the past: an old ledger's deadline is history, not a new promise. */
  deadline: string | null;
  milestones: { id: string; title: string; dueOn: string; done: boolean }[];
  /** The sign-off day when the ledger gives one (销号时间). */
  closedOn: string | null;
  /** The words as written: 整改状态 / 完成情况, 整改时限. */
  statusText: string | null;
  deadlineText: string | null;
  /** 基本完成 / 阶段性办结; 长期坚持 after completion; 已销号 (a sign-off) rather than 已完成. */
  partial: 'basic' | 'phased' | null;
  standing: boolean;
  signedOff: boolean;
  /** File and row it came from, e.g. "2022台账.xlsx 第6–8行". */
  origin: string;
}

/** The official documents issued about one item. */
export const ITEM_DOCUMENT_KINDS = ['assignment', 'supervision', 'signoff'] as const;
export type ItemDocumentKind = (typeof ITEM_DOCUMENT_KINDS)[number];

/** One issued document as the item's trail keeps it: which 发文字号, who issued it and when. */
export interface IssuedItemDocument {
  documentId: string;
  number: string;
  kind: ItemDocumentKind;
  title: string;
  issuedBy: { userId: string; name: string };
  issuedAt: string;
}

/** Why someone is told about an item (one notice kind per event that matters to people). */
export const NOTICE_KINDS = [
  'assigned',
  'deadline_approaching',
  'deadline_missed',
  'escalated',
  'flagged',
  'supervision_due',
  'review_waiting',
  'recheck_due',
  'extension_decided',
  'rejected',
  'reopened',
  'transferred',
  'reporter_feedback',
  'objection_filed',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** Someone a notice went to: a user, or the petitioner (userId null) for reporter feedback. */
export interface NoticeRecipient {
  userId: string | null;
  name: string;
}

export type ItemCommandType = ItemCommand['type'];

export interface DecideContext {
  /** The instant the command is decided at (never read from a clock inside the domain). */
  now: string;
  /** null for commands the runtime sends (tick). */
  actor: Actor | null;
  settings: CampaignSettings;
  calendar: CalendarData;
}

// ---------------------------------------------------------------- events

interface EventBase {
  at: string;
  actorId: string | null;
}

export type ItemEvent = EventBase &
  (
    | {
        type: 'ItemReported';
        data: {
          itemId: string;
          campaignId: string;
          categoryId: string | null;
          source: ItemSource;
          title: string;
          description: string;
          person: Person | null;
          location: string | null;
          /** Added: 纳入监测 day; absent on events written before. */
          monitoredSince?: string | null;
          /** Added: the screening round that found it; absent on events written before. */
          screeningRoundId?: string | null;
          reportingUnit: UnitRef;
          ownerUnit: UnitRef;
          leadUnit: UnitRef | null;
        };
      }
    | {
        type: 'ItemAssigned';
        data: {
          responsibleUnit: UnitRef;
          measures: string;
          mode: RectificationMode;
          deadline: string;
          deadlineProvisional: boolean;
          deadlineWorkingDays: { from: string; days: number } | null;
          milestones: { id: string; title: string; dueOn: string }[];
        };
      }
    | { type: 'ItemAccepted'; data: Record<string, never> }
    | { type: 'ProgressRecorded'; data: { note: string; substantive: boolean; evidence: string[] } }
    | { type: 'MilestoneCompleted'; data: { milestoneId: string; note: string | null; evidence: string[] } }
    | { type: 'ExtensionRequested'; data: { newDeadline: string; reason: string } }
    | { type: 'ExtensionDecided'; data: { approved: boolean; newDeadline: string | null; note: string | null } }
    | { type: 'ItemTransferred'; data: { from: UnitRef | null; to: UnitRef; reason: string } }
    | { type: 'ItemSubmitted'; data: { summary: string; evidence: string[] } }
    | { type: 'ItemApproved'; data: { note: string | null } }
    | { type: 'ItemRejected'; data: { reason: string } }
    /** One step of a configured sign-off chain decided (the last one is followed by ItemApproved or the 公示). */
    | { type: 'SignOffStepApproved'; data: { stepId: string; step: string; note: string | null } }
    | {
        type: 'PublicNoticeStarted';
        data: { endsOn: string; endsAt: string; provisional: boolean; evidence: string[] };
      }
    | { type: 'ObjectionFiled'; data: { objectionId: string; text: string } }
    | { type: 'ObjectionResolved'; data: { objectionId: string; upheld: boolean; note: string } }
    /** The 公示's last day passed: with how many objections, how many still open (then the sign-off waits). */
    | { type: 'PublicNoticeEnded'; data: { objections: number; open: number } }
    | { type: 'RecheckScheduled'; data: { reason: RecheckReason; dueBy: string } }
    | { type: 'RecheckPassed'; data: { findings: string; evidence: string[] } }
    | { type: 'RecheckFailed'; data: { findings: string; evidence: string[] } }
    | {
        type: 'ItemReopened';
        data: {
          deadline: string;
          deadlineProvisional: boolean;
          reopenCount: number;
          /** Added: set when the deadline was counted in working days, so a provisional one can be recomputed. */
          deadlineWorkingDays?: { from: string; days: number } | null;
        };
      }
    | { type: 'ItemVerified'; data: { by: 'recheck' | 'window_elapsed' } }
    | { type: 'ItemDismissed'; data: { reason: string } }
    | {
        type: 'ItemFlagged';
        /** Added `level` and `dueOn`: absent on events written before (挂牌督办, no 督办 deadline). */
        data: {
          reason: string;
          byEscalation: boolean;
          level?: SupervisionLevel;
          dueOn?: string | null;
          message?: Message;
        };
      }
    | { type: 'ItemUnflagged'; data: { reason: string } }
    | { type: 'CommentAdded'; data: { text: string } }
    | {
        type: 'ReminderIssued';
        data: {
          kind:
            | 'deadline_approaching'
            | 'recheck_due'
            | 'review_waiting'
            /** The 督办 deadline: the same reminders before it, and one when it passed. */
            | 'supervision_approaching'
            | 'supervision_overdue';
          daysBefore: number | null;
          dueAt: string;
          /** Added: dueAt was counted through a year without official calendar data (absent when exact). */
          provisional?: true;
        };
      }
    /** 催办记录: the notices derived from event `causeSeq` were produced for these recipients and channels. */
    | {
        type: 'NoticeSent';
        data: { causeSeq: number; kind: NoticeKind; recipients: NoticeRecipient[]; channels: string[] };
      }
    /** 发文记录: an official document about the item was issued (its 文号, issuer and time). */
    | { type: 'DocumentIssued'; data: IssuedItemDocument }
    | { type: 'DeadlineMissed'; data: { deadline: string; dueAt: string; provisional?: true } }
    | {
        type: 'Escalated';
        data: {
          level: number;
          target: 'handler' | 'unit_head' | 'supervisor' | 'flag';
          dueAt: string;
          provisional?: true;
        };
      }
    | { type: 'QualityWarningRaised'; data: QualityWarning }
    | { type: 'DeadlineRecomputed'; data: { deadline: string; deadlineProvisional: boolean } }
    /** 事事有回音 (000 §七): the petitioner is told at assignment, once verified, on reopen and on dismissal.
     * `closed` was told at sign-off by events written before; since then `verified` is (issue 15 §2). */
    | {
        type: 'ReporterFeedbackDue';
        data: {
          outcome: 'assigned' | 'closed' | 'verified' | 'reopened' | 'dismissed';
          text: string;
          message?: Message;
        };
      }
    | { type: 'EvidenceWarningRaised'; data: Omit<EvidenceWarning, 'raisedAt' | 'dismissed'> }
    | { type: 'EvidenceWarningDismissed'; data: { warningId: string; reason: string } }
    | { type: 'ItemImported'; data: ImportedState & { overdue: boolean } }
  );

export type ItemEventType = ItemEvent['type'];

// ---------------------------------------------------------------- refusals

export type DomainErrorCode =
  | 'invalid_transition' // the command is not allowed in the item's current state
  | 'forbidden' // the actor's role or unit may not issue this command
  | 'separation_of_duties' // e.g. approving one's own submission, rechecking one's own unit
  | 'validation' // a field breaks a rule (deadline in the past, unknown milestone, …)
  | 'no_calendar'; // reserved: a working-day computation needs data that no year provides

export interface DomainError {
  code: DomainErrorCode;
  message: string;
  /** Commands the actor may issue now (for invalid_transition, forbidden). */
  allowed: ItemCommandType[];
  /** For validation: which field and why. */
  field?: string;
}

export type Decision = { ok: true; events: ItemEvent[] } | { ok: false; error: DomainError };
