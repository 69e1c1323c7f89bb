// The official working calendar and Asia/Shanghai date arithmetic.
export * from './calendar.ts';
export { OFFICIAL_CALENDAR } from './cn-official.ts';
