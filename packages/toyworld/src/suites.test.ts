import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleAt } from './datasets/samples';
import { isEvalSeed, isHeldOutIdentity } from './heldout';
import { readSuiteDir, writeSuiteDir } from './io';
import { parsePrompt } from './prompt';
import { renderScene } from './scene';
import { summariseScores } from './scorer/aggregate';
import { scoreImage } from './scorer/score';
import { BASE_SUITE_SEED, buildSuite, suiteHasReferences, suiteItem } from './suites';

describe('the base suite', () => {
  const items = buildSuite('base');

  it('is the base dataset drawn from its own seed: 100 items of 1–3 training objects, colours named about half the time', () => {
    expect(items).toHaveLength(100);
    items.forEach((it, i) => {
      const s = sampleAt('base', BASE_SUITE_SEED, i, { size: 32, refSize: 32 });
      expect(it.prompt).toBe(s.prompt);
      expect(it.subjects).toEqual(s.subjects);
      expect(it.id).toBe(`base-${String(i).padStart(3, '0')}`);
      expect(it.subjects.length).toBeGreaterThanOrEqual(1);
      expect(it.subjects.length).toBeLessThanOrEqual(3);
      for (const subj of it.subjects)
        expect(isEvalSeed(subj.seed) || isHeldOutIdentity(subj)).toBe(false);
    });
    expect(new Set(items.map((i) => i.subjects.length))).toEqual(new Set([1, 2, 3]));
    const named = items.filter((it) => parsePrompt(it.prompt).subjects.some((s) => s.color)).length;
    expect(named).toBeGreaterThan(30);
    expect(named).toBeLessThan(70);
    expect(BASE_SUITE_SEED).not.toBe(1); // the training stages' default seed
    expect(suiteHasReferences('base')).toBe(false);
  });

  it('ground-truth renders reach the base score ceiling: shape, named body, count, relation, background all 1', () => {
    const scores = items.map((it) =>
      scoreImage(renderScene(it.scene, 32).image, it.subjects, it.prompt),
    );
    const m = summariseScores(scores);
    expect(m.namedSubjects).toBeGreaterThan(40);
    expect(m.shape).toBeGreaterThanOrEqual(0.99);
    expect(m.namedBody).toBeGreaterThanOrEqual(0.99);
    expect(m.count).toBe(1);
    expect(m.relation).toBe(1);
    expect(m.background).toBe(1);
    // named colours are flagged exactly where the prompt names them
    items.forEach((it, i) => {
      const phrases = parsePrompt(it.prompt).subjects;
      scores[i]!.perSubject.forEach((p, j) => expect(p.bodyNamed, it.id).toBe(!!phrases[j]!.color));
    });
  });
});

describe('the single suite', () => {
  it('one held-out subject per item; ground truth scores 1', () => {
    const items = buildSuite('single', 50);
    for (const it of items) {
      expect(it.subjects).toHaveLength(1);
      expect(isEvalSeed(it.subjects[0]!.seed) && isHeldOutIdentity(it.subjects[0]!)).toBe(true);
      const s = scoreImage(renderScene(it.scene, 32).image, it.subjects, it.prompt);
      expect(s.fidelity, it.id).toBeGreaterThanOrEqual(0.95);
      expect(s.count).toBe(1);
      expect(s.background).toBe(1);
    }
    expect(new Set(items.map((i) => i.subjects[0]!.shape)).size).toBeGreaterThanOrEqual(6);
    expect(suiteItem('single', 7)).toEqual(suiteItem('single', 7));
  });
});

describe('a validation split', () => {
  it('from `first` on: the same items by index, none of the test split', () => {
    const test = buildSuite('two-subject', 100);
    const validation = buildSuite('two-subject', 20, 100);
    expect(validation[0]).toEqual(suiteItem('two-subject', 100));
    expect(validation.map((i) => i.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `two-subject-${100 + i}`),
    );
    const scenes = new Set(test.map((i) => JSON.stringify(i.scene)));
    for (const it of validation) expect(scenes.has(JSON.stringify(it.scene)), it.id).toBe(false);
  });
});

describe('suite folders of the new suites', () => {
  it('base has no references, single one; a manifest with the wrong number is rejected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-suites-'));
    const base = await writeSuiteDir(join(dir, 'base'), 'base', { count: 5, withTruth: true });
    expect(base.items.every((it) => it.references.length === 0)).toBe(true);
    expect(existsSync(join(dir, 'base', 'truth', 'base-004.png'))).toBe(true);
    expect((await readSuiteDir(join(dir, 'base'))).name).toBe('base');
    const single = await writeSuiteDir(join(dir, 'single'), 'single', { count: 3 });
    expect(single.items.map((it) => it.references)).toEqual([
      ['refs/single-000-0.png'],
      ['refs/single-001-0.png'],
      ['refs/single-002-0.png'],
    ]);
    expect(existsSync(join(dir, 'single', 'refs', 'single-002-0.png'))).toBe(true);
    const path = join(dir, 'single', 'suite.json');
    const json = JSON.parse(await readFile(path, 'utf8'));
    json.items[1].references = [];
    await writeFile(path, JSON.stringify(json));
    await expect(readSuiteDir(join(dir, 'single'))).rejects.toThrow(
      /single-001: 0 references, suite single has 1/,
    );
    await rm(dir, { recursive: true });
  });
});
