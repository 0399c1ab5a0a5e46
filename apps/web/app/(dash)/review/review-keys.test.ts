import { describe, expect, it } from 'vitest';
import { HELP, keyAction } from './review-keys';

const press = (
  mode: Parameters<typeof keyAction>[0],
  key: string,
  mods: Partial<KeyboardEvent> = {},
) =>
  keyAction(mode, {
    key,
    shiftKey: false,
    ctrlKey: false,
    metaKey: false,
    ...mods,
  } as KeyboardEvent);

describe('review keyboard map', () => {
  it('digits mean subject, reason or brush depending on the mode', () => {
    expect(press('normal', '2')).toEqual({ type: 'selectSubject', index: 1 });
    expect(press('reject', '2')).toEqual({ type: 'toggleReason', index: 1 });
    expect(press('reject', '8')).toBeNull(); // the taxonomy has 7 reasons
    expect(press('paint', '2')).toEqual({ type: 'brush', subject: 1 });
    expect(press('paint', '0')).toEqual({ type: 'brush', subject: -1 });
  });

  it('decisions are single keys, and ignored while painting or choosing reasons', () => {
    expect(press('normal', 'a')).toEqual({ type: 'approve' });
    expect(press('normal', 'r')).toEqual({ type: 'startReject' });
    expect(press('reject', 'Enter')).toEqual({ type: 'confirmReject' });
    expect(press('paint', 'a')).toBeNull();
    expect(press('reject', 'a')).toBeNull();
  });

  it('arrows move the paint cursor, Shift paints on the way; undo and help work in every mode', () => {
    expect(press('paint', 'ArrowLeft', { shiftKey: true })).toEqual({
      type: 'move',
      dr: 0,
      dc: -1,
      paint: true,
    });
    expect(press('normal', 'ArrowLeft')).toBeNull();
    for (const mode of ['normal', 'reject', 'paint'] as const) {
      expect(press(mode, '?')).toEqual({ type: 'help' });
      expect(press(mode, 'z', { ctrlKey: true })).toEqual({ type: 'undo' });
      expect(press(mode, 'Escape')).toEqual({ type: 'cancel' });
    }
    expect(press('normal', 'a', { ctrlKey: true })).toBeNull(); // browser shortcuts stay the browser's
  });

  it('every single-key action of the reviewing mode is listed in the help', () => {
    const listed = HELP[0]!.keys.map(([k]) => k).join(' ');
    for (const key of 'arsuopqwecjk') {
      expect(press('normal', key), key).not.toBeNull();
      expect(listed, key).toContain(key);
    }
  });
});
