import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { aggregate, evaluateSuite } from './evaluate';
import { loadModelDir } from './model-dir';

// Quality regression guard for the shipped models: the MUSAR adapter must beat its own base with
// an untrained adapter (B = 0, so exactly the base) on 2-subject fidelity, scored by the toy-world
// scorer on held-out subjects. Small and seeded, so it runs in CI in well under a minute.
const models = fileURLToPath(new URL('../../../models/', import.meta.url));

describe('shipped MUSAR model', () => {
  it('is committed and loads', () => {
    expect(existsSync(`${models}musar/card.json`)).toBe(true);
    expect(existsSync(`${models}base/card.json`)).toBe(true);
  });

  it('beats the untrained-adapter baseline on 2-subject fidelity', async () => {
    const opts = {
      suite: 'two-subject' as const,
      count: 8,
      routing: {},
      steps: 12,
      seed: 11,
      batch: 8,
    };
    const { model: musar } = await loadModelDir(`${models}musar`);
    const trained = await evaluateSuite(musar, opts);
    musar.dispose();
    const { model: base } = await loadModelDir(`${models}base`);
    base.attachLora(0); // zero-initialised B: outputs identical to the base
    const untrained = await evaluateSuite(base, opts);
    base.dispose();
    const t = aggregate(trained.items.map((x) => x.score));
    const u = aggregate(untrained.items.map((x) => x.score));
    expect(t.n).toBe(8);
    expect(t.fidelity).toBeGreaterThan(u.fidelity + 0.02);
  });
});
