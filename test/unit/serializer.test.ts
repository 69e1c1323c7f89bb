// The response serializer: fast-json-stringify compiled from the zod schema must write exactly what
// zod's encode would, and nothing the schema does not declare.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commandResult, itemDetail, itemPage } from '../../api/routes/items/schema.ts';
import { itemView } from '../../api/routes/items/view.ts';
import { problemSchema } from '../../api/problem.ts';
import { serializerCompiler } from '../../api/serializer.ts';
import { A, storyAt } from './support/fixtures.ts';

const compile = (schema: z.ZodType) =>
  serializerCompiler({ schema, method: 'GET', url: '/x', httpStatus: '200' } as never);

describe('response serializer', () => {
  const s = storyAt('in_progress').state;
  const row = {
    state: { ...s, person: { name: '张三', phone: '13800001111' } },
    seqNo: 12,
    updatedAt: '2026-03-05T02:00:00.000Z',
    categoryName: '重点人群未参保',
    responsibleName: '朝阳村',
  };
  const view = itemView(row as never, A.lead, new Set());

  it('writes a ledger page exactly as zod encode + JSON.stringify would', () => {
    const page = { items: [view, itemView(row as never, A.viewer, new Set())], nextCursor: 'abc' };
    expect(compile(itemPage)(page)).toBe(JSON.stringify(z.encode(itemPage, page as never)));
  });

  it('drops what the schema does not declare, also in nested objects', () => {
    const leaky = { ...view, internalSeed: 42, responsibleUnit: { ...view.responsibleUnit!, path: '/secret/path/' } };
    const out = JSON.parse(
      compile(commandResult)({
        ...leaky,
        events: [{ seq: 1, type: 'X', at: '2026-03-05T02:00:00.000Z', extra: true }],
      }),
    );
    expect(out).not.toHaveProperty('internalSeed');
    expect(out.responsibleUnit).toEqual({ id: view.responsibleUnit!.id, name: '朝阳村' });
    expect(out.events[0]).not.toHaveProperty('extra');
  });

  it('compiles the item and problem schemas without falling back to zod', () => {
    for (const schema of [itemPage, itemDetail, commandResult, problemSchema]) {
      expect(() => z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw' })).not.toThrow();
    }
  });

  it('writes a problem+json body as zod would', () => {
    const p = {
      type: 'https://zhenggai.dev/problems/not_found',
      title: 'Not found',
      status: 404,
      code: 'not_found',
      detail: '事项不存在',
    };
    expect(compile(problemSchema)(p)).toBe(JSON.stringify(z.encode(problemSchema, p as never)));
  });
});
