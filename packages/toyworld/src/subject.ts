import { z } from 'zod';
import { chroma, COLOR_NAMES, SUBJECT_COLORS, type TColorName } from './palette';
import { makeRng, type Rng } from './rng';

export const SHAPES = [
  'circle',
  'square',
  'triangle',
  'diamond',
  'hexagon',
  'star',
  'cross',
  'heart',
] as const;
export const PATTERNS = ['plain', 'stripes', 'dots', 'checker', 'halves', 'ring'] as const;
export type TShape = (typeof SHAPES)[number];
export type TPattern = (typeof PATTERNS)[number];

/** A glyph is a 2×2 bit mark (row-major) in the accent colour at the subject's centre: 1–3 cells on. */
export const ZGlyph = z
  .array(z.union([z.literal(0), z.literal(1)]))
  .length(4)
  .refine(
    (g) => g.some((b) => b === 1) && g.some((b) => b === 0),
    'glyph needs 1 to 3 of its 4 cells set',
  );

export const ZSubjectSpec = z
  .object({
    seed: z.number().int().nonnegative(),
    shape: z.enum(SHAPES),
    body: z.enum(COLOR_NAMES),
    accent: z.enum(COLOR_NAMES),
    pattern: z.enum(PATTERNS),
    glyph: ZGlyph,
  })
  .strict()
  .refine((s) => s.body !== s.accent, { message: 'accent must differ from body', path: ['accent'] })
  .refine((s) => blendStaysSaturated(s.body, s.accent), {
    message: 'accent blends to grey with body (complementary pair)',
    path: ['accent'],
  });
export type TSubjectSpec = z.infer<typeof ZSubjectSpec>;

/** All glyphs, in a fixed order (index = glyph id). */
export const GLYPHS: readonly (0 | 1)[][] = Array.from({ length: 14 }, (_, i) => {
  const bits = i + 1; // 1..14: never all-off or all-on
  return [0, 1, 2, 3].map((b) => ((bits >> b) & 1) as 0 | 1);
});

/** Parses untrusted JSON (string or value) into a spec; errors name the offending field. */
export function parseSubjectSpec(input: unknown, what = 'subject spec'): TSubjectSpec {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new Error(`${what}: malformed JSON (${(err as Error).message})`, { cause: err });
    }
  }
  const parsed = ZSubjectSpec.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${what}: invalid — ${issues.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Body/accent pairs whose 50/50 blend is still saturated. Complementary pairs (yellow/blue) blend to
 * grey on anti-aliased pattern edges, which would cut a subject in two for a chroma-based scorer.
 */
export function blendStaysSaturated(a: TColorName, b: TColorName): boolean {
  const x = SUBJECT_COLORS[a];
  const y = SUBJECT_COLORS[b];
  return chroma((x[0] + y[0]) / 2, (x[1] + y[1]) / 2, (x[2] + y[2]) / 2) >= 0.55;
}

/** Draws a subject's attributes from an rng (used by the seeded generator and by datasets). */
export function drawSubjectSpec(rng: Rng, seed: number): TSubjectSpec {
  const body = rng.pick(COLOR_NAMES);
  const accents = COLOR_NAMES.filter((c) => c !== body && blendStaysSaturated(body, c));
  return {
    seed,
    shape: rng.pick(SHAPES),
    body,
    accent: rng.pick(accents),
    pattern: rng.pick(PATTERNS),
    glyph: [...rng.pick(GLYPHS)],
  };
}

/** The deterministic subject of a seed. */
export function generateSubject(seed: number): TSubjectSpec {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`seed: must be a non-negative integer (got ${seed})`);
  return drawSubjectSpec(makeRng(0x5b1ec7, seed), seed);
}

/** The class word that text may say about a subject: everything else only the reference carries. */
export const classWord = (shape: TShape): string => `${shape} toy`;
export const conditionText = (spec: Pick<TSubjectSpec, 'shape'>): string =>
  `a ${classWord(spec.shape)}`;

/** Identity key: two specs with the same key are the same subject (the seed is not identity). */
export const identityKey = (s: TSubjectSpec): string =>
  `${s.shape}/${s.body}/${s.accent}/${s.pattern}/${s.glyph.join('')}`;
