// The item lifecycle's public surface: the decider, its policy and the helpers the API and runtimes use.
export * from './types.ts';
export { decide } from './decide.ts';
export { evolve, fold, seenVersionStands } from './evolve.ts';
export { nextWake, pendingTimers, tickEvents, type TimeEnv, type Timer } from './next-wake.ts';
export {
  ITEM_COMMAND_TYPES,
  actorRule,
  allowedCommands,
  stateRule,
  type ActorRefusal,
} from './policy.ts';
export { fnv1a32, isSampled, recheckReason, sampleScore } from './recheck.ts';
export { fastInFastOut, hasMeasures, includedNotHelped, includedNotHelpedDue } from './quality.ts';
export {
  canSeePersonalData,
  maskAddress,
  maskIdNumber,
  maskItem,
  maskName,
  maskPerson,
  maskPhone,
  maskText,
} from './mask.ts';
export { approvalStartsNotice, chainFor, currentStep, noticeDays, openObjections } from './sign-off.ts';
export { countDeadline, fixedDeadline, type CountedDeadline } from './deadline.ts';
export { DEFAULT_SETTINGS } from './settings.ts';
