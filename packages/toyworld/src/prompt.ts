// The prompt grammar. Its words are the model's vocabulary:
//   prompt  := subject (relation subject)* [background]
//   subject := "a" [colour] shape "toy"
// Relations chain: "a star toy left of a heart toy above a cross toy" says star–heart and heart–cross.
import { BACKGROUND_KINDS, type TBackgroundKind } from './background';
import { COLOR_NAMES, type TColorName } from './palette';
import { RELATIONS, type TRelation, type TScene } from './scene';
import { classWord, SHAPES, type TShape } from './subject';

export const BACKGROUND_PHRASES: Record<TBackgroundKind, string> = {
  plain: 'on a plain background',
  room: 'in a room',
  sky: 'in the sky',
  grass: 'on grass',
  sand: 'on sand',
};

export const VOCAB: readonly string[] = Object.freeze(
  [
    '<pad>',
    '<unk>',
    'a',
    'toy',
    ...SHAPES,
    ...new Set(RELATIONS.flatMap((r) => r.split(' '))),
    ...new Set(Object.values(BACKGROUND_PHRASES).flatMap((p) => p.split(' '))).values(),
    ...COLOR_NAMES,
  ].filter((w, i, all) => all.indexOf(w) === i),
);
export const PAD_ID = 0;
export const UNK_ID = 1;
const IDS = new Map(VOCAB.map((w, i) => [w, i]));

export function splitWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z<>]+/)
    .filter(Boolean);
}

/** Token ids, padded with <pad> (0) or truncated to maxLen; unknown words become <unk>. */
export function tokenize(text: string, maxLen: number): Int32Array {
  if (!Number.isInteger(maxLen) || maxLen < 1)
    throw new Error(`tokenize: maxLen must be a positive integer (got ${maxLen})`);
  const out = new Int32Array(maxLen);
  splitWords(text)
    .slice(0, maxLen)
    .forEach((w, i) => (out[i] = IDS.get(w) ?? UNK_ID));
  return out;
}

export function detokenize(ids: ArrayLike<number>): string {
  return Array.from(ids)
    .filter((id) => id !== PAD_ID)
    .map((id) => VOCAB[id] ?? '<unk>')
    .join(' ');
}

/** The prompt of a scene. `colors` adds body-colour adjectives (base scenes only). */
export function buildPrompt(
  scene: TScene,
  opts: { colors?: boolean; background?: boolean } = {},
): string {
  const np = (i: number) => {
    const s = scene.placements[i]!.subject;
    return opts.colors ? `a ${s.body} ${classWord(s.shape)}` : `a ${classWord(s.shape)}`;
  };
  let text = np(0);
  for (let i = 1; i < scene.placements.length; i++) {
    const rel = scene.relations.find((r) => r.a === i - 1 && r.b === i)?.rel ?? 'next to';
    text += ` ${rel} ${np(i)}`;
  }
  if (opts.background !== false) text += ` ${BACKGROUND_PHRASES[scene.background.kind]}`;
  return text;
}

export type TParsedPrompt = {
  subjects: { shape: TShape; color?: TColorName }[];
  relations: { a: number; rel: TRelation; b: number }[];
  background?: TBackgroundKind;
  unknownWords: string[];
};

/** Parses a prompt of the grammar; words outside it are collected, not fatal. */
export function parsePrompt(text: string): TParsedPrompt {
  const words = splitWords(text);
  const out: TParsedPrompt = { subjects: [], relations: [], unknownWords: [] };
  let pendingRel: TRelation | undefined;
  let color: TColorName | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const two = `${w} ${words[i + 1] ?? ''}`;
    const rel = RELATIONS.find((r) => r === w || r === two);
    if (rel) {
      pendingRel = rel;
      if (rel.includes(' ')) i++;
      continue;
    }
    if ((COLOR_NAMES as readonly string[]).includes(w)) {
      color = w as TColorName;
      continue;
    }
    if ((SHAPES as readonly string[]).includes(w)) {
      out.subjects.push({ shape: w as TShape, ...(color ? { color } : {}) });
      color = undefined;
      const n = out.subjects.length;
      if (pendingRel && n >= 2) out.relations.push({ a: n - 2, rel: pendingRel, b: n - 1 });
      pendingRel = undefined;
      continue;
    }
    const bg = BACKGROUND_KINDS.find((k) => BACKGROUND_PHRASES[k].split(' ').at(-1) === w);
    if (bg) {
      out.background = bg;
      continue;
    }
    if (!IDS.has(w)) out.unknownWords.push(w);
  }
  return out;
}

/** The arrangement a prompt asks for: its first relation ("left of", "above", …), or "none". */
export function arrangementOf(prompt: string): TRelation | 'none' {
  return parsePrompt(prompt).relations[0]?.rel ?? 'none';
}
