import { describe, expect, it } from 'vitest';
import { buildPrompt, detokenize, parsePrompt, tokenize, UNK_ID, VOCAB } from './prompt';
import { SUITE_NAMES, suiteItem } from './suites';

describe('prompt grammar and vocabulary', () => {
  it('vocabulary is small, <pad> is 0, words are unique', () => {
    expect(VOCAB.length).toBeLessThanOrEqual(128);
    expect(VOCAB[0]).toBe('<pad>');
    expect(VOCAB[UNK_ID]).toBe('<unk>');
    expect(new Set(VOCAB).size).toBe(VOCAB.length);
  });

  it('tokenize pads, truncates and maps unknown words to <unk>', () => {
    const ids = tokenize('a star toy on a Zebra', 8);
    expect(Array.from(ids)).toEqual([
      ...['a', 'star', 'toy', 'on', 'a'].map((w) => VOCAB.indexOf(w)),
      UNK_ID,
      0,
      0,
    ]);
    expect(tokenize('a star toy', 2).length).toBe(2);
    expect(() => tokenize('x', 0)).toThrow(/maxLen/);
  });

  it('every suite prompt uses only vocabulary words and parses back to its scene', () => {
    for (const name of SUITE_NAMES)
      for (let i = 0; i < 30; i++) {
        const item = suiteItem(name, i);
        expect(detokenize(tokenize(item.prompt, 32))).toBe(item.prompt);
        const parsed = parsePrompt(item.prompt);
        expect(parsed.unknownWords).toEqual([]);
        expect(parsed.subjects.map((s) => s.shape)).toEqual(item.subjects.map((s) => s.shape));
        expect(parsed.relations).toEqual(item.scene.relations);
        expect(parsed.background).toBe(item.scene.background.kind);
      }
  });

  it('colour adjectives parse onto their subject', () => {
    const scene = suiteItem('two-subject', 1).scene;
    const p = parsePrompt(buildPrompt(scene, { colors: true }));
    expect(p.subjects.map((s) => s.color)).toEqual(scene.placements.map((pl) => pl.subject.body));
  });
});
