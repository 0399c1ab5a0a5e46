import { readdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { aggregate, evaluateSuite } from './evaluate';
import { loadModelDir } from './model-dir';
import { stepOf } from './state-file';

// What training/ commits: at most two active runs, one bounded file each, the frozen base the
// adapters train on — which must still draw the base task (a small seeded quality guard) — and the
// frozen identity adapter the MUSAR stage starts from, which must still carry its subjects.
const training = fileURLToPath(new URL('../../../training/', import.meta.url));
const MAX_STATE_BYTES = 25 * 1024 * 1024;

describe('committed training state', () => {
  it('holds at most two run states, each within 25 MB and resumable (a step is recorded)', async () => {
    const states = (await readdir(training)).filter((f) => f.endsWith('.state.safetensors'));
    expect(states.length).toBeGreaterThan(0);
    expect(states.length).toBeLessThanOrEqual(2);
    for (const f of states) {
      expect((await stat(training + f)).size, f).toBeLessThanOrEqual(MAX_STATE_BYTES);
      expect(await stepOf(training + f), f).toBeGreaterThan(0);
    }
  });

  it('the frozen base loads and draws the base task (8 seeded items)', async () => {
    const { model, card } = await loadModelDir(`${training}base`);
    expect(card.kind).toBe('base');
    expect(model.cfg.prediction).toBe('x0');
    try {
      const { items } = await evaluateSuite(model, {
        suite: 'base',
        count: 8,
        routing: null,
        steps: 12,
        seed: 3,
        batch: 8,
      });
      const m = aggregate(items.map((x) => x.score));
      expect(m.n).toBe(8);
      expect(m.shape).toBeGreaterThanOrEqual(0.75);
      expect(m.namedBody).toBeGreaterThanOrEqual(0.85);
      expect(m.count).toBeGreaterThanOrEqual(0.95);
      expect(m.background).toBeGreaterThanOrEqual(0.95);
    } finally {
      model.dispose();
    }
  });

  it('the frozen identity adapter loads on the frozen base and transfers identity (8 seeded items)', async () => {
    const { model, card } = await loadModelDir(`${training}identity`);
    expect(card.kind).toBe('adapter');
    expect(model.lora?.shared).toBe(true);
    const guidance = card.sampling?.guidance;
    expect(guidance).toEqual({ prompt: 1.5, reference: 5 });
    try {
      const { items } = await evaluateSuite(model, {
        suite: 'single',
        count: 8,
        routing: {},
        steps: 12,
        seed: 3,
        batch: 8,
        guidance,
      });
      const m = aggregate(items.map((x) => x.score));
      expect(m.n).toBe(8);
      // 100 items, 20 steps: 0.856–0.873 (card); a prompt-only render reaches ≈ 0.47.
      expect(m.fidelity).toBeGreaterThanOrEqual(0.8);
    } finally {
      model.dispose();
    }
  });
});
