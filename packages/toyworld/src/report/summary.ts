import type { TItemResult, TSuiteManifest } from '../io';
import {
  hasSeam,
  SEAM_THRESHOLD,
  summariseByArrangement,
  summariseBySubjectShape,
  summariseScores,
  type TScoreSummary,
  type TSubjectSummary,
} from '../scorer/aggregate';

export const METRICS = ['fidelity', 'leakage', 'seam', 'count', 'relation', 'background'] as const;
export type TSummary = {
  suite: string;
  items: number;
  scored: number;
  missing: string[];
  errors: { id: string; error: string }[];
  /** means over scored items */
  mean: Record<(typeof METRICS)[number], number>;
  /** share of scored items with leakage > 0 / with seam ≥ SEAM_THRESHOLD (`hasLeakage` / `hasSeam`) */
  leakageRate: number;
  seamRate: number;
  /** every suite number, computed as `musar eval`'s metrics.json computes it */
  metrics: TScoreSummary;
  /**
   * The same numbers per arrangement the prompt asks for (its first relation word: "left of",
   * "above", …; "none" without one), so a model that masters one layout and not another shows it.
   */
  byArrangement: Record<string, TScoreSummary>;
  /** Per-subject numbers by the reference subject's shape (suites with references; else empty). */
  bySubjectShape: Record<string, TSubjectSummary>;
};

export function summarise(suite: TSuiteManifest, items: TItemResult[]): TSummary {
  const scored = items.filter((i) => i.score);
  const metrics = summariseScores(scored.map((i) => i.score!));
  const byArrangement = summariseByArrangement(
    scored.map((i) => ({ prompt: i.prompt, score: i.score! })),
  );
  const specs = new Map(suite.items.map((it) => [it.id, it.subjects]));
  const bySubjectShape = summariseBySubjectShape(
    scored.flatMap((i) => {
      const subjects = specs.get(i.id);
      return subjects ? [{ subjects, score: i.score! }] : [];
    }),
  );
  const mean = Object.fromEntries(
    METRICS.map((m) => [m, scored.length ? metrics[m] : 0]),
  ) as TSummary['mean'];
  return {
    suite: suite.name,
    items: items.length,
    scored: scored.length,
    missing: items.filter((i) => i.status === 'missing').map((i) => i.id),
    errors: items.filter((i) => i.status === 'error').map((i) => ({ id: i.id, error: i.error! })),
    mean,
    leakageRate: metrics.leakageRate,
    seamRate: metrics.seamRate,
    metrics,
    byArrangement,
    bySubjectShape,
  };
}

/**
 * A "## title" table with a row per group (a key column, then `columns`), where there is more
 * than one group: one group is the suite's own numbers again.
 */
function breakdown<T>(
  title: string,
  keyColumn: string,
  groups: Record<string, T>,
  columns: [header: string, cell: (m: T) => string][],
): string[] {
  const entries = Object.entries(groups);
  if (entries.length < 2) return [];
  return [
    `## ${title}`,
    '',
    `| ${[keyColumn, ...columns.map(([header]) => header)].join(' | ')} |`,
    `|${'---|'.repeat(columns.length + 1)}`,
    ...entries.map(([key, m]) => `| ${[key, ...columns.map(([, cell]) => cell(m))].join(' | ')} |`),
    '',
  ];
}

/** Per arrangement, where the prompts ask for more than one. */
const arrangements = (summary: TSummary) =>
  breakdown('By arrangement', 'arrangement', summary.byArrangement, [
    ['items', (m) => String(m.n)],
    ...(['fidelity', 'shape', 'leakage', 'seam', 'count', 'relation'] as const).map(
      (k): [string, (m: TScoreSummary) => string] => [k, (m) => f(m[k])],
    ),
  ]);

/** Per reference shape, where a suite has more than one (which silhouettes are lost). */
const subjectShapes = (summary: TSummary) =>
  breakdown('By subject shape', 'shape', summary.bySubjectShape, [
    ['subjects', (m) => String(m.n)],
    ['found', (m) => f(m.found)],
    ['fidelity', (m) => f(m.fidelity)],
    ['shape score', (m) => f(m.shape)],
    ...(['body', 'accent', 'pattern', 'glyph'] as const).map(
      (k): [string, (m: TSubjectSummary) => string] => [k, (m) => f(m[k])],
    ),
  ]);

const f = (x: number) => x.toFixed(3);

/** The weakest point of an item, in one line, for the table's "why" column. */
function why(item: TItemResult): string {
  const s = item.score;
  if (!s) return item.error ?? item.status;
  const worst = [...s.perSubject].sort((a, b) => a.combined - b.combined)[0];
  const leak = s.reasons.find((r) => r.startsWith('leakage'));
  if (leak) return leak;
  if (worst && worst.combined < 0.95) return worst.reasons[0] ?? '';
  if (s.count < 1) return s.reasons.find((r) => r.startsWith('count')) ?? 'count';
  if (s.relation < 1)
    return (
      s.reasons.find((r) => r.includes('does not hold') || r.includes('cannot be checked')) ??
      'relation'
    );
  if (s.background < 1) return s.reasons.find((r) => r.startsWith('background')) ?? 'background';
  if (hasSeam(s)) return s.reasons.filter((r) => r.startsWith('seam')).join('; ');
  return 'ok';
}

/** The base score (what a prompt-only model can learn): shape, named body colour, count, relation, background. */
function baseScore(summary: TSummary): string[] {
  const m = summary.metrics;
  if (summary.suite !== 'base' && m.namedSubjects === 0) return [];
  return [
    '## Base score',
    '',
    '| metric | mean |',
    '|---|---|',
    `| shape | ${f(m.shape)} |`,
    `| body colour where the prompt names it | ${m.namedBody === null ? '— (no prompt names one)' : `${f(m.namedBody)} (${m.namedSubjects} subjects)`} |`,
    `| count | ${f(m.count)} |`,
    `| relation | ${f(m.relation)} |`,
    `| background | ${f(m.background)} |`,
    '',
  ];
}

export function toMarkdown(summary: TSummary, items: TItemResult[]): string {
  const lines = [
    `# Toy-world evaluation — ${summary.suite}`,
    '',
    `${summary.scored} of ${summary.items} items scored; ${summary.missing.length} missing; ${summary.errors.length} errors.`,
    '',
    '| metric | mean |',
    '|---|---|',
    ...METRICS.map((m) => `| ${m} | ${f(summary.mean[m])} |`),
    `| items with leakage | ${(summary.leakageRate * 100).toFixed(1)}% |`,
    `| items with a seam (seam ≥ ${SEAM_THRESHOLD}) | ${(summary.seamRate * 100).toFixed(1)}% |`,
    '',
    ...baseScore(summary),
    ...arrangements(summary),
    ...subjectShapes(summary),
    '| item | fidelity | leakage | seam | count | relation | background | why |',
    '|---|---|---|---|---|---|---|---|',
    ...items.map((i) =>
      i.score
        ? `| ${i.id} | ${METRICS.map((m) => f(i.score![m])).join(' | ')} | ${why(i).replace(/\|/g, '/')} |`
        : `| ${i.id} | — | — | — | — | — | — | ${i.status}: ${(i.error ?? '').replace(/\|/g, '/')} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
