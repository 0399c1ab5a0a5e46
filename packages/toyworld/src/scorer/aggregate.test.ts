import { describe, expect, it } from 'vitest';
import type { TItemResult, TSuiteManifest } from '../io';
import { summarise, toMarkdown } from '../report/summary';
import { arrangementOf } from '../prompt';
import { renderScene, type TScene } from '../scene';
import { suiteItem } from '../suites';
import { hasSeam, SEAM_THRESHOLD, summariseScores } from './aggregate';
import { colourDrift, degrade, splitBackground } from './planted';
import { scoreImage } from './score';

/** A suite item's result when the image shows `scene` instead of the item's own scene. */
const renderedAs = (it: ReturnType<typeof suiteItem>, scene: TScene): TItemResult => ({
  id: it.id,
  prompt: it.prompt,
  status: 'scored',
  score: scoreImage(renderScene(scene, 32).image, it.subjects, it.prompt),
});

describe('one aggregation for metrics.json and the report', () => {
  const items = Array.from({ length: 8 }, (_, i) => suiteItem('three-subject', 40 + i));
  const images = items.map((it, i) =>
    i % 4 === 0
      ? splitBackground(it.scene, 32, i)
      : colourDrift(degrade(renderScene(it.scene, 32).image, 0.03, i), 0.08),
  );
  const scores = items.map((it, i) => scoreImage(images[i]!, it.subjects, it.prompt));

  it('a seam is seam ≥ SEAM_THRESHOLD: planted splits count, colour drift does not', () => {
    expect(SEAM_THRESHOLD).toBe(0.5);
    scores.forEach((s, i) => expect(hasSeam(s), items[i]!.id).toBe(i % 4 === 0));
    expect(scores.filter((s, i) => i % 4 !== 0 && s.seam > 0).length).toBeGreaterThanOrEqual(3);
    expect(summariseScores(scores).seamRate).toBe(0.25);
  });

  it('the report summary is the same aggregation', () => {
    const suite = {
      name: 'three-subject',
      size: 32,
      refSize: 32,
      items: [],
    } as unknown as TSuiteManifest;
    const results: TItemResult[] = items.map((it, i) => ({
      id: it.id,
      prompt: it.prompt,
      status: 'scored',
      score: scores[i]!,
    }));
    const summary = summarise(suite, results);
    expect(summary.metrics).toEqual(summariseScores(scores));
    expect(summary.seamRate).toBe(0.25);
    expect(summary.mean.seam).toBeCloseTo(summary.metrics.seam, 12);
    expect(toMarkdown(summary, results)).toMatch(
      /\| items with a seam \(seam ≥ 0\.5\) \| 25\.0% \|/,
    );
    expect(summary.metrics.namedBody).toBeNull(); // held-out suites never name colours
    expect(toMarkdown(summary, results)).not.toMatch(/Base score/);
  });

  it('by arrangement: a model that fails only "above" items shows it in that row alone', () => {
    const two = Array.from({ length: 24 }, (_, i) => suiteItem('two-subject', i));
    // ground truth everywhere, except "above" items, whose subjects are swapped top for bottom
    const results: TItemResult[] = two.map((it) => {
      const above = arrangementOf(it.prompt) === 'above';
      const scene = above
        ? {
            ...it.scene,
            placements: it.scene.placements.map((p, k, all) => ({
              ...p,
              view: all[1 - k]!.view,
            })),
          }
        : it.scene;
      return renderedAs(it, scene);
    });
    const suite = { name: 'two-subject', items: [] } as unknown as TSuiteManifest;
    const summary = summarise(suite, results);
    const rows = summary.byArrangement;
    expect(Object.keys(rows).sort()).toEqual(
      [...new Set(two.map((it) => arrangementOf(it.prompt)))].sort(),
    );
    expect(rows['above']!.n).toBeGreaterThan(3);
    expect(Object.values(rows).reduce((t, m) => t + m.n, 0)).toBe(24);
    expect(rows['above']!.relation).toBe(0);
    expect(rows['left of']!.relation).toBe(1);
    expect(summary.metrics.relation).toBeCloseTo(1 - rows['above']!.n / 24, 12);
    expect(toMarkdown(summary, results)).toMatch(/## By arrangement[\s\S]*\| above \| \d+ \|/);
    expect(arrangementOf('a star toy in the sky')).toBe('none');
    expect(arrangementOf('a cross toy left of a heart toy above a star toy')).toBe('left of');
  });

  it('by subject shape: stars drawn as hexagons lose shape in the star row alone', () => {
    const two = Array.from({ length: 40 }, (_, i) => suiteItem('two-subject', i)).filter(
      (it) => !it.subjects.some((s) => s.shape === 'hexagon'),
    );
    const results: TItemResult[] = two.map((it) => {
      const scene = {
        ...it.scene,
        placements: it.scene.placements.map((p) =>
          p.subject.shape === 'star'
            ? { ...p, subject: { ...p.subject, shape: 'hexagon' as const } }
            : p,
        ),
      };
      return renderedAs(it, scene);
    });
    const suite = { name: 'two-subject', items: two } as unknown as TSuiteManifest;
    const rows = summarise(suite, results).bySubjectShape;
    const stars = two.flatMap((it) => it.subjects).filter((s) => s.shape === 'star').length;
    expect(stars).toBeGreaterThan(2);
    expect(rows['star']!.n).toBe(stars);
    expect(Object.values(rows).reduce((t, m) => t + m.n, 0)).toBe(two.length * 2);
    expect(rows['star']!.shape).toBeLessThan(0.3);
    for (const [shape, m] of Object.entries(rows))
      if (shape !== 'star') expect(m.shape, shape).toBeGreaterThan(0.9);
    expect(rows['star']!.found).toBe(1); // found (the colours are right), the wrong silhouette
    expect(toMarkdown(summarise(suite, results), results)).toMatch(
      /## By subject shape[\s\S]*\| star \| \d+ \| 1\.000 \|/,
    );
    // a suite without the items' specs (e.g. a report of loose images): no rows
    const bare = { name: 'two-subject', items: [] } as unknown as TSuiteManifest;
    expect(summarise(bare, results).bySubjectShape).toEqual({});
  });

  it('empty input: NaN means, zero rates, no named colours', () => {
    const m = summariseScores([]);
    expect(m.n).toBe(0);
    expect(m.fidelity).toBeNaN();
    expect(m.seamRate).toBe(0);
    expect(m.namedBody).toBeNull();
  });
});
