import { z } from 'zod';
import { assertImage, type RgbImage } from '../image';
import { COLOR_NAMES, SUBJECT_COLORS } from '../palette';
import { accentness } from './fit';
import { parsePrompt } from '../prompt';
import { clamp01 } from '../rng';
import { ZSubjectSpec, type TSubjectSpec } from '../subject';
import type { TFitContext } from './fit';
import { analysePixels, findRegions, type TPixels, type TRegion } from './pixels';
import { backgroundMask, classifyBackground, relationHolds, seamScore } from './scene-score';
import { missingSubject, quickMatch, scoreSubject, type TSubjectScore } from './subject-score';

export type TScore = {
  perSubject: TSubjectScore[];
  /** mean combined identity fidelity over subjects (a missing subject counts 0) */
  fidelity: number;
  /** 0 = no subject carries another's colours or pattern; 1 = clear leakage */
  leakage: number;
  /** 0 = one coherent scene; 1 = a seam or two unrelated backgrounds (diptych bias) */
  seam: number;
  /** 1 = as many subjects as asked for */
  count: number;
  /** fraction of the prompt's relations that hold */
  relation: number;
  /** 1 = the background is the one the prompt names */
  background: number;
  detected: number;
  reasons: string[];
};

function contextFor(px: TPixels, regions: TRegion[], region: TRegion): TFitContext {
  const mask = new Uint8Array(px.W * px.H);
  for (const r of regions) for (const p of r.pixels) mask[p] = r === region ? 1 : 2;
  return { px, region, mask };
}

/** Best injective assignment subject → region (or none), by brute force (k ≤ 4, regions ≤ 8). */
function assign(scores: number[][], minScore: number): (number | undefined)[] {
  const k = scores.length;
  let best: (number | undefined)[] = Array(k).fill(undefined);
  let bestSum = -1;
  const cur: (number | undefined)[] = [];
  const used = new Set<number>();
  const go = (i: number, sum: number) => {
    if (i === k) {
      if (sum > bestSum) [bestSum, best] = [sum, [...cur]];
      return;
    }
    cur[i] = undefined;
    go(i + 1, sum);
    scores[i]!.forEach((s, r) => {
      if (used.has(r) || s < minScore) return;
      used.add(r);
      cur[i] = r;
      go(i + 1, sum + s);
      used.delete(r);
    });
    cur[i] = undefined;
  };
  go(0, 0);
  return best;
}

function leakageOf(
  px: TPixels,
  region: TRegion,
  i: number,
  subjects: TSubjectSpec[],
): { leak: number; reason?: string } {
  const own = new Set([
    COLOR_NAMES.indexOf(subjects[i]!.body),
    COLOR_NAMES.indexOf(subjects[i]!.accent),
  ]);
  const foreign = new Map<number, string>();
  subjects.forEach((s, j) => {
    if (j === i) return;
    for (const [c, what] of [
      [s.body, 'body'],
      [s.accent, 'accent'],
    ] as const) {
      const id = COLOR_NAMES.indexOf(c);
      if (!own.has(id)) foreign.set(id, `subject ${j}'s ${what} colour ${c}`);
    }
  });
  let labelled = 0;
  const hits = new Map<number, number>();
  const ownBody = SUBJECT_COLORS[subjects[i]!.body];
  const ownAccent = SUBJECT_COLORS[subjects[i]!.accent];
  for (const p of region.pixels) {
    if (!px.stable[p]) continue;
    if (!Number.isNaN(accentness(px.data, p, ownBody, ownAccent))) {
      labelled++; // a blend of the subject's own colours (e.g. orange between red and yellow cells)
      continue;
    }
    labelled++;
    const l = px.label[p]!;
    if (foreign.has(l)) hits.set(l, (hits.get(l) ?? 0) + 1);
  }
  const total = [...hits.values()].reduce((s, x) => s + x, 0);
  const frac = labelled ? total / labelled : 0;
  const leak = clamp01((frac - 0.05) / 0.2);
  if (total === 0) return { leak };
  const top = [...hits.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return {
    leak,
    reason: `leakage: ${Math.round(frac * 100)}% of subject ${i}'s stable pixels carry ${foreign.get(top[0])}`,
  };
}

/**
 * A fitted subject takes part in a relation only when its region shows some evidence of being that
 * subject (shape or body score at least this): a leftover region that is neither its silhouette nor
 * its colour says nothing about where the subject is.
 */
export const MIN_RELATION_EVIDENCE = 0.3;

/** Every mapping phrase → subject that only trades subjects between phrases saying the same thing. */
function interchangeableMappings(keys: string[], base: number[], cap = 720): number[][] {
  const groups = [...new Set(keys)]
    .map((k) => keys.flatMap((x, p) => (x === k ? [p] : [])))
    .filter((g) => g.length > 1);
  let out = [base];
  for (const g of groups) {
    const next: number[][] = [];
    const perms = (rest: number[]): number[][] =>
      rest.length <= 1
        ? [rest]
        : rest.flatMap((x, i) =>
            perms([...rest.slice(0, i), ...rest.slice(i + 1)]).map((p) => [x, ...p]),
          );
    for (const m of out)
      for (const perm of perms(g.map((p) => m[p]!))) {
        const c = [...m];
        g.forEach((p, i) => (c[p] = perm[i]!));
        next.push(c);
        if (next.length >= cap) break;
      }
    out = next;
  }
  return out;
}

/**
 * The prompt's relations checked on the fitted centres. Phrases that say the same thing ("a star toy
 * left of a star toy", no colours or the same colour) may trade subjects: the prompt cannot tell them
 * apart, so the best such mapping counts.
 */
function checkRelations(
  parsed: ReturnType<typeof parsePrompt>,
  phraseToSubject: number[],
  perSubject: TSubjectScore[],
  W: number,
): { relation: number; reasons: string[] } {
  if (!parsed.relations.length) return { relation: 1, reasons: [] };
  const locate = (i: number): { at?: { x: number; y: number }; why?: string } => {
    const p = perSubject[i];
    if (!p?.at) return { why: 'subject missing' };
    if (Math.max(p.shape, p.body) < MIN_RELATION_EVIDENCE)
      return {
        why: `its region at (${p.at.x.toFixed(1)}, ${p.at.y.toFixed(1)}) shows neither its shape nor its body colour: shape ${p.shape.toFixed(2)}, body ${p.body.toFixed(2)}`,
      };
    return { at: p.at };
  };
  const keys = parsed.subjects.map((np) => `${np.shape}/${np.color ?? ''}`);
  let best = { held: -1, reasons: [] as string[] };
  for (const map of interchangeableMappings(keys, phraseToSubject)) {
    let held = 0;
    const reasons: string[] = [];
    for (const r of parsed.relations) {
      const [a, b] = [locate(map[r.a]!), locate(map[r.b]!)];
      const ok = !!a.at && !!b.at && relationHolds(r.rel, a.at, b.at, W);
      if (ok) held++;
      const [na, nb] = [parsed.subjects[r.a]!.shape, parsed.subjects[r.b]!.shape];
      const why = [a.why && `${na}: ${a.why}`, b.why && `${nb}: ${b.why}`]
        .filter(Boolean)
        .join('; ');
      reasons.push(
        `relation: ${na} ${r.rel} ${nb} ${ok ? 'holds' : why ? `cannot be checked (${why})` : 'does not hold'}`,
      );
    }
    if (held > best.held) best = { held, reasons };
  }
  return { relation: best.held / parsed.relations.length, reasons: best.reasons };
}

/** Scores one image against its subjects and prompt using the image alone. */
export function scoreImage(image: RgbImage, subjects: TSubjectSpec[], prompt: string): TScore {
  assertImage(image);
  const specs = z.array(ZSubjectSpec).min(1).max(8).parse(subjects);
  const k = specs.length;
  const px = analysePixels(image);
  const { regions } = findRegions(
    px,
    specs.map((s) => COLOR_NAMES.indexOf(s.body)),
    k,
  );
  const contexts = regions.map((r) => contextFor(px, regions, r));
  const quick = specs.map((s) => contexts.map((ctx) => quickMatch(ctx, s).score));
  const assigned = assign(quick, 0.6);
  const reasons: string[] = [];

  const patternFits: ({ pattern: string; err: number }[] | undefined)[] = [];
  const perSubject = specs.map((spec, i) => {
    const r = assigned[i];
    if (r === undefined) return missingSubject(spec);
    const { fit: _f, patternFit, ...score } = scoreSubject(contexts[r]!, spec);
    patternFits[i] = patternFit;
    return score;
  });
  const fidelity = perSubject.reduce((s, x) => s + x.combined, 0) / k;

  let leakage = 0;
  specs.forEach((_, i) => {
    const r = assigned[i];
    if (r === undefined) return;
    const { leak, reason } = leakageOf(px, regions[r]!, i, specs);
    if (reason) reasons.push(reason);
    leakage = Math.max(leakage, leak);
    // pattern leakage: the subject's accent layout fits another subject's pattern clearly better
    const fits = patternFits[i]!;
    const own = fits.find((f) => f.pattern === specs[i]!.pattern)!.err;
    specs.forEach((o, j) => {
      if (j === i || o.pattern === specs[i]!.pattern) return;
      const theirs = fits.find((f) => f.pattern === o.pattern)!.err;
      const pl = clamp01((own - theirs - 0.05) / 0.1);
      if (pl <= 0) return;
      leakage = Math.max(leakage, pl);
      reasons.push(
        `leakage: subject ${i} shows subject ${j}'s pattern ${o.pattern} (error ${theirs.toFixed(2)} vs ${own.toFixed(2)} for its own ${specs[i]!.pattern})`,
      );
    });
  });

  const largest = regions[0]?.area ?? 0;
  const detected = regions.filter((r) => r.area >= 0.2 * largest).length;
  const count = clamp01(1 - Math.abs(detected - k) / k);
  reasons.push(`count: ${detected} subject-like regions for ${k} subjects`);

  const parsed = parsePrompt(prompt);
  const used = new Set<number>();
  const phraseToSubject = parsed.subjects.map((np, j) => {
    const i = specs.findIndex((s, idx) => s.shape === np.shape && !used.has(idx));
    const chosen = i >= 0 ? i : j;
    used.add(chosen);
    return chosen;
  });
  parsed.subjects.forEach((np, j) => {
    const i = phraseToSubject[j]!;
    const [spec, ps] = [specs[i], perSubject[i]];
    if (!np.color || !spec || !ps) return;
    if (spec.body === np.color) ps.bodyNamed = true;
    else
      reasons.push(
        `body: the prompt names ${np.color} for the ${np.shape}, whose spec body is ${spec.body} (not scored as a named colour)`,
      );
  });
  const rel = checkRelations(parsed, phraseToSubject, perSubject, px.W);
  reasons.push(...rel.reasons);
  const relation = rel.relation;

  const bgMask = backgroundMask(px);
  const bg = classifyBackground(px, bgMask);
  let background = 1;
  if (parsed.background) {
    background = bg.kind === parsed.background ? 1 : 0;
    reasons.push(
      `background: looks like ${bg.kind ?? 'nothing known'} (distance ${bg.distance.toFixed(2)}), prompt asks for ${parsed.background}`,
    );
  } else reasons.push('background: prompt names none');
  const seam = seamScore(px, bgMask);
  reasons.push(...seam.reasons);
  if (parsed.unknownWords.length)
    reasons.push(`prompt words outside the grammar: ${parsed.unknownWords.join(', ')}`);

  return {
    perSubject,
    fidelity,
    leakage,
    seam: seam.seam,
    count,
    relation,
    background,
    detected,
    reasons,
  };
}
