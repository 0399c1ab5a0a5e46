import { describe, expect, it } from 'vitest';
import { formatDay, formatWhen, reasonLabel, stateLabel } from './format';

describe('one date format and readable labels', () => {
  it('formats dates ISO-like in UTC, to the minute', () => {
    expect(formatWhen('2026-11-26T14:03:59.123Z')).toBe('2026-11-26 14:03 UTC');
    expect(formatWhen(new Date(Date.UTC(2026, 0, 2, 3, 4)))).toBe('2026-01-02 03:04 UTC');
    expect(formatWhen(null)).toBe('—');
    expect(formatWhen('not a date')).toBe('—');
    expect(formatDay('2026-11-26T23:59:00Z')).toBe('2026-11-26');
  });

  it('never shows the taxonomy ids raw', () => {
    expect(reasonLabel('identity_wrong')).toBe('Identity wrong');
    expect(reasonLabel('some_new_reason')).toBe('some new reason');
    expect(stateLabel('pending_review')).toBe('in review');
  });
});
