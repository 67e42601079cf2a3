import { describe, expect, it } from 'vitest';
import { detailProblem, objectIdProblem, operationLogLimits } from './operation-log.types.js';

describe('operation log detail (ids, counts, flags and codes only)', () => {
  it('refuses an email, a name, a phone number or free text in a code', () => {
    expect(detailProblem({ email: 'ann@example.com' })).toMatch(/"email" is not a code/);
    expect(detailProblem({ name: '张三' })).toMatch(/"name" is not a code/);
    expect(detailProblem({ name: 'Ann Lee' })).toMatch(/"name" is not a code/);
    expect(detailProblem({ mobile: '13800138000' })).toMatch(/"mobile" is not a code/);
    expect(detailProblem({ mobile: '+86 138 0013 8000' })).toMatch(/"mobile" is not a code/);
    expect(detailProblem({ reason: 'x'.repeat(operationLogLimits.tokenLength + 1) })).toMatch(/longer than/);
  });

  it('refuses an email or a name where an id belongs, and lists of anything but ids', () => {
    expect(detailProblem({ contactId: 'ann@example.com' })).toMatch(/"contactId" is not an id/);
    expect(detailProblem({ staffIds: ['1', '张三'] })).toMatch(/"staffIds" is not an id/);
    expect(detailProblem({ names: ['a'] })).toMatch(/only ids/);
    expect(detailProblem({ staffIds: [{ id: 1 }] })).toMatch(/not an id/);
    expect(detailProblem({ staffIds: Array.from({ length: 101 }, (_, i) => String(i + 1)) })).toMatch(/more than 100/);
  });

  it('refuses nested objects, odd keys, non-finite numbers and too many keys', () => {
    expect(detailProblem({ contact: { name: 'x' } })).toMatch(/neither an id/);
    expect(detailProblem({ 'first name': 'x' })).toMatch(/not camelCase/);
    expect(detailProblem({ rows: Number.NaN })).toMatch(/finite/);
    expect(detailProblem(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])))).toMatch(/more than 20/);
    expect(detailProblem(['1'])).toMatch(/not an object/);
    expect(detailProblem('x')).toMatch(/not an object/);
  });

  it('accepts ids, counts, flags, codes and lists of ids', () => {
    expect(
      detailProblem({
        channelId: '42',
        channelKey: 'udc_abc123',
        staffIds: ['3', 4],
        type: 'custom',
        rule: 'candidate_accepted',
        rows: 1200,
        failed: 0,
        dryRun: false,
        note: null,
      }),
    ).toBeUndefined();
    expect(detailProblem({})).toBeUndefined();
  });

  it('takes an object id only when it looks like one', () => {
    expect(objectIdProblem(undefined)).toBeUndefined();
    expect(objectIdProblem(null)).toBeUndefined();
    expect(objectIdProblem('123')).toBeUndefined();
    expect(objectIdProblem('ann@example.com')).toMatch(/not an id/);
    expect(objectIdProblem('张三')).toMatch(/not an id/);
    expect(objectIdProblem(123)).toMatch(/not an id/);
  });
});
