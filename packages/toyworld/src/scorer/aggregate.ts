// One place that turns per-image scores into suite numbers, so `musar eval`'s metrics.json, the
// scored report (report.md / report.json), training-time curves and the ablation table agree.
import { arrangementOf } from '../prompt';
import type { TSubjectSpec } from '../subject';
import type { TScore } from './score';

/**
 * An image "has a seam" when its seam score reaches this. The seam score ramps up from small
 * left/right background differences (pixel noise and colour drift of a generated image give
 * 0.03–0.25); a planted split background scores ≥ 0.5. Counting every seam > 0 called a quarter of
 * seam-free generated images seamed.
 */
export const SEAM_THRESHOLD = 0.5;
export const hasSeam = (s: Pick<TScore, 'seam'>): boolean => s.seam >= SEAM_THRESHOLD;
/** An image "shows leakage" when any leakage is measured (more than 5% foreign pixels, or a clearly foreign pattern). */
export const hasLeakage = (s: Pick<TScore, 'leakage'>): boolean => s.leakage > 0;

/** The parts of a subject's combined fidelity (`WEIGHTS`), as means. */
type TSubjectParts = Record<'shape' | 'body' | 'accent' | 'pattern' | 'glyph', number>;

export type TScoreSummary = TSubjectParts & {
  /** images scored */
  n: number;
  fidelity: number;
  /* shape … glyph: per-image means over subjects, then over images */
  /**
   * Body-colour score over the subjects whose body colour the prompt names ("a red star toy"),
   * pooled over all images; null when no prompt names one (the held-out suites never do).
   */
  namedBody: number | null;
  /** how many subjects `namedBody` is the mean of */
  namedSubjects: number;
  leakage: number;
  /** mean seam score (badness, 0 = coherent scene) */
  seam: number;
  /** share of images with `hasSeam` */
  seamRate: number;
  /** share of images with `hasLeakage` */
  leakageRate: number;
  count: number;
  relation: number;
  background: number;
};

/** Means over images (NaN for an empty list, except the rates and `namedBody`). */
export function summariseScores(scores: readonly TScore[]): TScoreSummary {
  const n = scores.length;
  const mean = (f: (s: TScore) => number) => (n ? scores.reduce((a, s) => a + f(s), 0) / n : NaN);
  const rate = (f: (s: TScore) => boolean) => (n ? scores.filter(f).length / n : 0);
  const subj = (key: 'shape' | 'body' | 'accent' | 'pattern' | 'glyph') =>
    mean((s) => s.perSubject.reduce((a, p) => a + p[key], 0) / Math.max(1, s.perSubject.length));
  const named = scores.flatMap((s) => s.perSubject.filter((p) => p.bodyNamed));
  return {
    n,
    fidelity: mean((s) => s.fidelity),
    shape: subj('shape'),
    body: subj('body'),
    accent: subj('accent'),
    pattern: subj('pattern'),
    glyph: subj('glyph'),
    namedBody: named.length ? named.reduce((a, p) => a + p.body, 0) / named.length : null,
    namedSubjects: named.length,
    leakage: mean((s) => s.leakage),
    seam: mean((s) => s.seam),
    seamRate: rate(hasSeam),
    leakageRate: rate(hasLeakage),
    count: mean((s) => s.count),
    relation: mean((s) => s.relation),
    background: mean((s) => s.background),
  };
}

/** The same suite numbers per arrangement the prompts ask for (`arrangementOf`), keys sorted. */
export function summariseByArrangement(
  items: readonly { prompt: string; score: TScore }[],
): Record<string, TScoreSummary> {
  const groups = new Map<string, TScore[]>();
  for (const { prompt, score } of items) {
    const key = arrangementOf(prompt);
    groups.set(key, [...(groups.get(key) ?? []), score]);
  }
  return Object.fromEntries(
    [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, scores]) => [key, summariseScores(scores)]),
  );
}

/** Per-subject numbers of one group of subjects (e.g. every star in a suite). */
export type TSubjectSummary = TSubjectParts & {
  /** subjects in the group */
  n: number;
  /** mean combined fidelity (a subject not found counts 0, as in `fidelity`) */
  fidelity: number;
  /** share of the group's subjects found in their images */
  found: number;
};

/**
 * The per-subject numbers grouped by the shape of the reference subject (keys sorted): which
 * silhouettes a model draws well and which it loses, e.g. thin star points at a scene's size.
 * `subjects[i]` is the spec `score.perSubject[i]` was scored against.
 */
export function summariseBySubjectShape(
  items: readonly { subjects: readonly Pick<TSubjectSpec, 'shape'>[]; score: TScore }[],
): Record<string, TSubjectSummary> {
  const groups = new Map<string, TScore['perSubject']>();
  for (const { subjects, score } of items)
    score.perSubject.forEach((p, i) => {
      const key = subjects[i]?.shape;
      if (key !== undefined) groups.set(key, [...(groups.get(key) ?? []), p]);
    });
  return Object.fromEntries(
    [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, ps]) => {
        const mean = (f: (p: TScore['perSubject'][number]) => number) =>
          ps.reduce((a, p) => a + f(p), 0) / ps.length;
        return [
          key,
          {
            n: ps.length,
            fidelity: mean((p) => p.combined),
            shape: mean((p) => p.shape),
            body: mean((p) => p.body),
            accent: mean((p) => p.accent),
            pattern: mean((p) => p.pattern),
            glyph: mean((p) => p.glyph),
            found: mean((p) => (p.found ? 1 : 0)),
          },
        ];
      }),
  );
}
