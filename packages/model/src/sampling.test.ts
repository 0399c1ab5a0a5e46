import { describe, expect, it } from 'vitest';
import { ZModelCard } from './checkpoint';
import { CheckpointError } from './errors';
import { ZSampleOptions } from './sampler';
import { DEFAULT_SAMPLING, parseCardSampling, resolveSampling, ZModelSampling } from './sampling';

describe("a model card's sampling defaults", () => {
  it('accepts guidance in [0, 50] and steps 1..200, and refuses anything else', () => {
    expect(ZModelSampling.parse({})).toEqual({});
    expect(ZModelSampling.parse({ guidance: { prompt: 1.5, reference: 4.5 }, steps: 30 })).toEqual({
      guidance: { prompt: 1.5, reference: 4.5 },
      steps: 30,
    });
    expect(
      ZModelSampling.parse({ guidance: { prompt: 0, reference: 50 }, steps: 200 }),
    ).toBeTruthy();
    for (const bad of [
      { guidance: { prompt: 999, reference: 3 } },
      { guidance: { prompt: -1, reference: 3 } },
      { guidance: { prompt: 3 } }, // both scales or none
      { guidance: { prompt: 3, reference: 3, extra: 1 } },
      { steps: 0 },
      { steps: 201 },
      { steps: 2.5 },
      { guidence: { prompt: 3, reference: 3 } }, // misspelt: refused, not ignored
    ])
      expect(ZModelSampling.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('is the same schema in ZModelCard, and the sampler shares its guidance bounds', () => {
    const card = { name: 'identity', kind: 'adapter' as const };
    expect(ZModelCard.parse(card).sampling).toBeUndefined();
    expect(
      ZModelCard.parse({ ...card, sampling: { guidance: { prompt: 2, reference: 4 } } }).sampling,
    ).toEqual({ guidance: { prompt: 2, reference: 4 } });
    expect(
      ZModelCard.safeParse({ ...card, sampling: { guidance: { prompt: 999, reference: 3 } } })
        .success,
    ).toBe(false);
    expect(ZSampleOptions.parse({}).guidance).toEqual({
      prompt: DEFAULT_SAMPLING.prompt,
      reference: DEFAULT_SAMPLING.prompt,
    });
    expect(ZSampleOptions.safeParse({ guidance: { prompt: 51 } }).success).toBe(false);
  });

  it('parseCardSampling names the card and the field of a bad value', () => {
    expect(parseCardSampling({ name: 'x' }, 'card.json')).toBeUndefined();
    expect(parseCardSampling({ sampling: { steps: 12 } }, 'card.json')).toEqual({ steps: 12 });
    const bad = () =>
      parseCardSampling({ sampling: { guidance: { prompt: 999, reference: 3 } } }, 'm/card.json');
    expect(bad).toThrow(CheckpointError);
    expect(bad).toThrow(
      /^m\/card\.json: invalid "sampling" in the model card: sampling\.guidance\.prompt: /,
    );
  });
});

describe('resolveSampling', () => {
  const card = { guidance: { prompt: 1.5, reference: 4.5 }, steps: 30 };

  it('explicit values, else the card, else the defaults — each value on its own', () => {
    expect(resolveSampling({}, card, DEFAULT_SAMPLING)).toEqual({
      steps: 30,
      guidance: { prompt: 1.5, reference: 4.5 },
      source: { steps: 'card', prompt: 'card', reference: 'card' },
    });
    expect(resolveSampling({ prompt: 2, steps: 8 }, card, DEFAULT_SAMPLING)).toEqual({
      steps: 8,
      guidance: { prompt: 2, reference: 4.5 },
      source: { steps: 'flags', prompt: 'flags', reference: 'card' },
    });
    expect(resolveSampling({ steps: 8 }, { guidance: card.guidance }, DEFAULT_SAMPLING)).toEqual({
      steps: 8,
      guidance: { prompt: 1.5, reference: 4.5 },
      source: { steps: 'flags', prompt: 'card', reference: 'card' },
    });
  });

  it('without a card: the defaults, the reference scale following the prompt scale', () => {
    expect(resolveSampling({}, undefined, DEFAULT_SAMPLING)).toEqual({
      steps: 20,
      guidance: { prompt: 3, reference: 3 },
      source: { steps: 'default', prompt: 'default', reference: 'default' },
    });
    expect(resolveSampling({ prompt: 5 }, { steps: 4 }, DEFAULT_SAMPLING)).toEqual({
      steps: 4,
      guidance: { prompt: 5, reference: 5 },
      source: { steps: 'card', prompt: 'flags', reference: 'default' },
    });
  });
});
