import { describe, expect, it } from 'vitest';
import {
  conditionText,
  generateSubject,
  GLYPHS,
  parseSubjectSpec,
  PATTERNS,
  SHAPES,
} from './subject';
import { chroma, MAX_BACKGROUND_CHROMA, SUBJECT_COLORS, BACKGROUND_COLORS } from './palette';

describe('subject specs', () => {
  it('a seed always gives the same subject; seeds cover every shape and pattern', () => {
    expect(generateSubject(42)).toEqual(generateSubject(42));
    const specs = Array.from({ length: 400 }, (_, s) => generateSubject(s));
    expect(new Set(specs.map((s) => s.shape)).size).toBe(SHAPES.length);
    expect(new Set(specs.map((s) => s.pattern)).size).toBe(PATTERNS.length);
    expect(SHAPES.length).toBeGreaterThanOrEqual(8);
    expect(PATTERNS.length).toBeGreaterThanOrEqual(5);
    expect(GLYPHS.length).toBe(14);
    for (const s of specs) expect(parseSubjectSpec(JSON.stringify(s))).toEqual(s);
  });

  it('class text is all the text says', () => {
    expect(conditionText({ shape: 'star' })).toBe('a star toy');
  });

  it('subject and background palettes are disjoint by chroma', () => {
    for (const c of Object.values(SUBJECT_COLORS))
      expect(chroma(c[0], c[1], c[2])).toBeGreaterThanOrEqual(0.64);
    for (const group of Object.values(BACKGROUND_COLORS))
      for (const c of group)
        expect(chroma(c[0], c[1], c[2])).toBeLessThanOrEqual(MAX_BACKGROUND_CHROMA);
  });

  it('bad specs fail with the field named', () => {
    const good = generateSubject(1);
    expect(() => parseSubjectSpec('{"shape": ')).toThrow(/malformed JSON/);
    expect(() => parseSubjectSpec({ ...good, shape: 'blob' })).toThrow(/shape: Invalid option/);
    expect(() => parseSubjectSpec({ ...good, body: 'beige' })).toThrow(/body:/);
    expect(() => parseSubjectSpec({ ...good, accent: good.body })).toThrow(
      /accent: accent must differ/,
    );
    expect(() => parseSubjectSpec({ ...good, glyph: [1, 1, 1, 1] })).toThrow(/glyph/);
    expect(() => parseSubjectSpec({ ...good, extra: 1 })).toThrow(/Unrecognized key/);
    expect(() => generateSubject(-1)).toThrow(/seed/);
  });
});
