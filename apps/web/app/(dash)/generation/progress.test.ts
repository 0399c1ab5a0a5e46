import { describe, expect, it } from 'vitest';
import { progressText, stepCostText, type TProgressView } from './progress';

const view = (over: Partial<TProgressView>): TProgressView => ({
  state: 'running',
  step: 0,
  totalSteps: 80,
  stepsPerImage: 20,
  imagesDone: 0,
  count: 4,
  evaluationsPerImage: null,
  ...over,
});

describe('generation progress text', () => {
  it('names the image and its step while running, and the share of all steps', () => {
    expect(progressText(view({ step: 0 }))).toBe('image 1 of 4 · step 0 of 20 · 0%');
    expect(progressText(view({ step: 32, imagesDone: 1 }))).toBe(
      'image 2 of 4 · step 12 of 20 · 40%',
    );
    expect(progressText(view({ step: 80, imagesDone: 4 }))).toBe(
      'image 4 of 4 · step 20 of 20 · 100%',
    );
    expect(progressText(view({ count: 1, totalSteps: 20, step: 20, imagesDone: 1 }))).toBe(
      'image 1 of 1 · step 20 of 20 · 100%',
    );
  });

  it('says images done and steps each when not running', () => {
    expect(progressText(view({ state: 'queued' }))).toBe('0/4 images · 20 steps each');
    expect(progressText(view({ state: 'succeeded', step: 80, imagesDone: 4 }))).toBe(
      '4/4 images · 20 steps each',
    );
  });

  it('states what a step runs, as the worker counted it', () => {
    expect(stepCostText(view({}))).toBeNull();
    expect(stepCostText(view({ evaluationsPerImage: 40 }))).toBe(
      'each step: 2 network passes (conditional + guidance)',
    );
    expect(stepCostText(view({ evaluationsPerImage: 60 }))).toBe(
      'each step: 3 network passes (conditional + 2 guidance)',
    );
    expect(stepCostText(view({ evaluationsPerImage: 20 }))).toBe(
      'each step: 1 network pass (no guidance)',
    );
    expect(stepCostText(view({ evaluationsPerImage: 39 }))).toBe('39 network passes per image');
  });
});
