// What every command's decision uses: the normalized `now`, today's date in Shanghai, event and
// refusal builders, and the checks several commands share.
import { instantMs, isValidDate, shanghaiDate, toInstant } from '../../calendar/calendar.ts';
import { type Message, render } from '../../messages/index.ts';
import { allowedCommands } from '../policy.ts';
import type {
  DecideContext,
  Decision,
  DomainErrorCode,
  ItemCommand,
  ItemEvent,
  ItemEventType,
  ItemState,
  UnitRef,
} from '../types.ts';

export type Cmd<T extends ItemCommand['type']> = Extract<ItemCommand, { type: T }>;
type Data<T extends ItemEventType> = Extract<ItemEvent, { type: T }>['data'];

export const MAX_TITLE = 200;
export const MAX_TEXT = 5000;
export const MAX_COMMENT = 2000;
/** An objection (异议) from the public: a few paragraphs at most. */
export const MAX_OBJECTION = 1000;

/** Per-call helpers: the normalized `now`, today's date in Shanghai, event and refusal builders. */
export function tools(state: ItemState | null, ctx: DecideContext) {
  const now = toInstant(instantMs(ctx.now));
  const actorId = ctx.actor?.userId ?? null;
  const refuse = (code: DomainErrorCode, message: string, field?: string): Decision => ({
    ok: false,
    error: {
      code,
      message,
      allowed: allowedCommands(state, ctx.actor, ctx),
      ...(field !== undefined ? { field } : {}),
    },
  });
  return {
    now,
    today: shanghaiDate(now),
    actorId,
    refuse,
    invalid: (field: string, message: string) => refuse('validation', `${field}: ${message}`, field),
    ev: <T extends ItemEventType>(type: T, data: Data<T>) => ({ type, data, at: now, actorId }) as ItemEvent,
    ok: (...events: ItemEvent[]): Decision => ({ ok: true, events }),
  };
}
export type Tools = ReturnType<typeof tools>;

/** 事事有回音 (000 §七): what the petitioner of a petition/hotline item is told now, worded by the catalogue. */
export function feedback(
  s: ItemState,
  t: Tools,
  outcome: 'assigned' | 'verified' | 'reopened',
  params: Record<string, string> = {},
): ItemEvent[] {
  if (!s.feedbackRequired) return [];
  const message: Message = { code: `feedback.${outcome}`, params: { title: s.title, ...params } };
  return [t.ev('ReporterFeedbackDue', { outcome, text: render(message), message })];
}

/** Why a free-text field is unacceptable, or null. */
export function badText(value: unknown, max: number, required = true): string | null {
  if (typeof value !== 'string') return 'must be text';
  if (required && value.trim() === '') return 'must not be empty';
  if (value.length > max) return `must be at most ${max} characters`;
  return null;
}

export const badUnit = (u: UnitRef | null | undefined) =>
  !u || typeof u.id !== 'string' || u.id === '' || typeof u.path !== 'string' || !u.path.startsWith('/');

/** A date the user gives as a deadline: a real date, not before today. */
export function badDeadline(date: unknown, today: string): string | null {
  if (!isValidDate(date)) return `${String(date)} is not a valid date (YYYY-MM-DD)`;
  return date < today ? `${date} is before today (${today})` : null;
}
