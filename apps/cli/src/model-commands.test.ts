import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readPngFile } from '@musar/toyworld';
import { main } from './main';

// generate / eval / train through the CLI, on the shipped models (small and seeded).
const models = fileURLToPath(new URL('../../../models/', import.meta.url));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'musar-gen-'));
  for (const [seed, name] of [
    [2_000_000_003, 'a'],
    [2_000_000_011, 'b'],
    [2_000_000_019, 'c'],
  ] as const)
    expect(
      await main(
        ['world', 'subject', '--seed', String(seed), '--out', join(dir, `${name}.png`)],
        capture().io,
      ),
    ).toBe(0);
  expect(
    await main(
      ['world', 'subject', '--seed', '5', '--size', '64', '--out', join(dir, 'big.png')],
      capture().io,
    ),
  ).toBe(0);
  await writeFile(join(dir, 'not-an-image.png'), 'hello');
});

const gen = (extra: string[]) => [
  'generate',
  '--model',
  join(models, 'musar'),
  '--backend',
  'wasm',
  ...(extra.includes('--steps') ? [] : ['--steps', '4']),
  ...extra,
];

describe('musar generate', () => {
  it('writes the image and its routing map, reproducibly for a seed', async () => {
    const args = (out: string) =>
      gen([
        '--ref',
        join(dir, 'a.png'),
        '--ref',
        join(dir, 'b.png'),
        '--prompt',
        'a star toy left of a heart toy on grass',
        '--seed',
        '3',
        '--steps',
        '8',
        '--out',
        join(dir, out),
        '--routing-map',
        join(dir, `${out}.json`),
      ]);
    const c = capture();
    expect(await main(args('x.png'), c.io)).toBe(0);
    expect(await main(args('y.png'), capture().io)).toBe(0);
    const [x, y] = [await readPngFile(join(dir, 'x.png')), await readPngFile(join(dir, 'y.png'))];
    expect(x.width).toBe(32);
    expect(Array.from(x.data)).toEqual(Array.from(y.data));
    const map = JSON.parse(
      await (await import('node:fs/promises')).readFile(join(dir, 'x.png.json'), 'utf8'),
    );
    expect(map.grid).toBe(8);
    expect(map.map).toHaveLength(64);
    // routing starts at step 4 of 8: every subject gets a region (a bijection subjects ↔ regions)
    expect(new Set(map.map).has(0) && new Set(map.map).has(1)).toBe(true);
  });

  it.each([
    [
      'a reference that is not an image',
      ['--ref', 'not-an-image.png', '--ref', 'b.png'],
      /not a readable PNG/,
    ],
    [
      'a reference of the wrong size',
      ['--ref', 'big.png', '--ref', 'b.png'],
      /64×64, this model wants 32×32/,
    ],
    ['an empty prompt', ['--ref', 'a.png', '--prompt', '  '], /--prompt is empty/],
    [
      'more references than the model supports',
      ['--ref', 'a.png', '--ref', 'b.png', '--ref', 'c.png', '--ref', 'a.png', '--ref', 'b.png'],
      /at most 4/,
    ],
  ])('refuses %s with exit code 2 and writes nothing', async (_what, refs, message) => {
    const c = capture();
    const out = join(dir, `bad-${Math.random()}.png`);
    const args = refs.map((r) => (r.endsWith('.png') ? join(dir, r) : r));
    const withPrompt = args.includes('--prompt')
      ? args
      : [...args, '--prompt', 'a star toy left of a heart toy'];
    expect(await main(gen([...withPrompt, '--out', out]), c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('a corrupt checkpoint fails with a clear error (exit 1) and writes nothing', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'musar-badmodel-'));
    const { cp } = await import('node:fs/promises');
    await cp(join(models, 'base'), bad, { recursive: true });
    await writeFile(join(bad, 'weights.safetensors'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const c = capture();
    const out = join(dir, 'corrupt.png');
    expect(
      await main(
        [
          'generate',
          '--model',
          bad,
          '--backend',
          'wasm',
          '--ref',
          join(dir, 'a.png'),
          '--prompt',
          'a star toy',
          '--out',
          out,
        ],
        c.io,
      ),
    ).toBe(1);
    expect(c.err.join('\n')).toMatch(/checkpoint|header|safetensors/i);
    expect(existsSync(out)).toBe(false);
  });
});

describe('musar eval', () => {
  it('generates a suite folder, scores it and writes report + metrics', async () => {
    const suite = join(dir, 'suite');
    expect(
      await main(
        ['world', 'suite', '--name', 'two-subject', '--out', suite, '--count', '2'],
        capture().io,
      ),
    ).toBe(0);
    const out = join(dir, 'eval');
    const c = capture();
    expect(
      await main(
        [
          'eval',
          '--model',
          join(models, 'musar'),
          '--suite',
          suite,
          '--out',
          out,
          '--steps',
          '4',
          '--backend',
          'wasm',
        ],
        c.io,
      ),
    ).toBe(0);
    const metrics = JSON.parse(c.out.at(-1)!);
    expect(metrics.metrics.n).toBe(2);
    expect(metrics.metrics.fidelity).toBeGreaterThanOrEqual(0);
    expect((await readdir(out)).sort()).toEqual([
      'contact.png',
      'images',
      'metrics.json',
      'report.json',
      'report.md',
    ]);
  });
});

describe('musar eval sampling options', () => {
  it('records the sampling settings, lets guidance change the images, and refuses bad values', async () => {
    const suite = join(dir, 'suite-g');
    await main(
      ['world', 'suite', '--name', 'two-subject', '--out', suite, '--count', '1'],
      capture().io,
    );
    const run = async (out: string, extra: string[]) => {
      const c = capture();
      const code = await main(
        [
          'eval',
          '--model',
          join(models, 'musar'),
          '--suite',
          suite,
          '--out',
          out,
          '--steps',
          '3',
          '--backend',
          'wasm',
          ...extra,
        ],
        c.io,
      );
      return { code, c };
    };
    const a = await run(join(dir, 'g1'), ['--guidance', '1', '--method', 'heun']);
    expect(a.code).toBe(0);
    const ma = JSON.parse(a.c.out.at(-1)!);
    expect(ma.sampling).toEqual({
      steps: 3,
      method: 'heun',
      guidance: { prompt: 1, reference: 5 },
      seed: 0,
      // the shipped card's `sampling` gives the reference scale the flags leave out
      source: { steps: 'flags', prompt: 'flags', reference: 'card' },
    });
    const b = await run(join(dir, 'g5'), ['--guidance', '5', '--reference-guidance', '2']);
    expect(b.code).toBe(0);
    expect(JSON.parse(b.c.out.at(-1)!).sampling.guidance).toEqual({ prompt: 5, reference: 2 });
    const png = async (d: string) => {
      const [name] = (await readdir(join(d, 'images'))).filter((f) => f.endsWith('.png'));
      return readFile(join(d, 'images', name!));
    };
    expect((await png(join(dir, 'g1'))).equals(await png(join(dir, 'g5')))).toBe(false);
    for (const bad of [
      ['--guidance', 'x'],
      ['--guidance=-1'],
      ['--reference-guidance', '51'],
      ['--method', 'rk4'],
    ]) {
      const r = await run(join(dir, 'bad'), bad);
      expect(r.code).toBe(2);
      expect(r.c.err.join('\n')).toMatch(/--(guidance|reference-guidance|method) must be/);
    }
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });
});

describe("musar eval and generate with the model card's sampling defaults", () => {
  /** A copy of a shipped model folder whose card gets `patch` (base: an absolute path). */
  const modelCopy = async (from: string, name: string, patch: Record<string, unknown>) => {
    const to = join(dir, name);
    await cp(join(models, from), to, { recursive: true });
    const card = JSON.parse(await readFile(join(to, 'card.json'), 'utf8'));
    await writeFile(join(to, 'card.json'), JSON.stringify({ ...card, ...patch }));
    return to;
  };
  const tuned = { guidance: { prompt: 1.5, reference: 4.5 }, steps: 3 };
  let suite: string;
  beforeAll(async () => {
    suite = join(dir, 'suite-card');
    await main(
      ['world', 'suite', '--name', 'two-subject', '--out', suite, '--count', '1'],
      capture().io,
    );
  });
  const evaluate = async (model: string, out: string, extra: string[] = []) => {
    const c = capture();
    const code = await main(
      ['eval', '--model', model, '--suite', suite, '--out', out, '--backend', 'wasm', ...extra],
      c.io,
    );
    return { code, c };
  };
  const samplingIn = async (out: string) =>
    JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')).sampling;

  it("uses the card's guidance and steps when no flag is given, and flags over the card", async () => {
    const model = await modelCopy('musar', 'tuned', {
      base: join(models, 'base'),
      sampling: tuned,
    });
    const a = await evaluate(model, join(dir, 'card-a'));
    expect(a.code).toBe(0);
    expect(await samplingIn(join(dir, 'card-a'))).toEqual({
      steps: 3,
      method: 'euler',
      guidance: { prompt: 1.5, reference: 4.5 },
      seed: 0,
      source: { steps: 'card', prompt: 'card', reference: 'card' },
    });
    // one flag overrides its value only; the others still come from the card
    const b = await evaluate(model, join(dir, 'card-b'), ['--guidance', '2', '--steps', '2']);
    expect(b.code).toBe(0);
    expect(await samplingIn(join(dir, 'card-b'))).toMatchObject({
      steps: 2,
      guidance: { prompt: 2, reference: 4.5 },
      source: { steps: 'flags', prompt: 'flags', reference: 'card' },
    });
    const c = await evaluate(model, join(dir, 'card-c'), ['--reference-guidance', '1']);
    expect(c.code).toBe(0);
    expect(await samplingIn(join(dir, 'card-c'))).toMatchObject({
      steps: 3,
      guidance: { prompt: 1.5, reference: 1 },
      source: { steps: 'card', prompt: 'card', reference: 'flags' },
    });
  });

  it("an adapter's own card decides, not its base's", async () => {
    const base = await modelCopy('base', 'base-with-sampling', {
      sampling: { guidance: { prompt: 7, reference: 7 } },
    });
    // an adapter card without `sampling` of its own (undefined drops the shipped one)
    const adapter = await modelCopy('musar', 'plain-adapter', { base, sampling: undefined });
    const r = await evaluate(adapter, join(dir, 'card-d'), ['--steps', '2']);
    expect(r.code).toBe(0);
    expect(await samplingIn(join(dir, 'card-d'))).toMatchObject({
      guidance: { prompt: 3, reference: 3 },
      source: { steps: 'flags', prompt: 'default', reference: 'default' },
    });
  });

  it('refuses a card whose guidance is out of range, naming the file and the field', async () => {
    const model = await modelCopy('musar', 'bad-card', {
      base: join(models, 'base'),
      sampling: { guidance: { prompt: 999, reference: 3 } },
    });
    const r = await evaluate(model, join(dir, 'card-bad'), ['--steps', '2']);
    expect(r.code).toBe(1);
    expect(r.c.err.join('\n')).toContain(
      `${join(model, 'card.json')}: invalid "sampling" in the model card: sampling.guidance.prompt:`,
    );
    expect(existsSync(join(dir, 'card-bad'))).toBe(false);
  });

  it("musar generate samples with the card's guidance", async () => {
    const model = await modelCopy('musar', 'tuned-gen', {
      base: join(models, 'base'),
      sampling: tuned,
    });
    const args = (m: string, out: string) => [
      'generate',
      '--model',
      m,
      '--backend',
      'wasm',
      '--ref',
      join(dir, 'a.png'),
      '--ref',
      join(dir, 'b.png'),
      '--prompt',
      'a star toy left of a heart toy on grass',
      '--steps',
      '3',
      '--out',
      join(dir, out),
    ];
    expect(await main(args(model, 'card-gen.png'), capture().io)).toBe(0);
    expect(await main(args(join(models, 'musar'), 'plain-gen.png'), capture().io)).toBe(0);
    const [x, y] = [
      await readPngFile(join(dir, 'card-gen.png')),
      await readPngFile(join(dir, 'plain-gen.png')),
    ];
    // same weights, seed and steps: only the guidance scales (card 1.5/4.5 vs default 3/3) differ
    expect(Array.from(x.data)).not.toEqual(Array.from(y.data));
  });
});

describe('musar train', () => {
  it('refuses an adapter stage without --base, and a bad flag, with usage', async () => {
    const c = capture();
    expect(await main(['train', 'musar', '--run', join(dir, 'run')], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/missing --base/);
    expect(
      await main(['train', 'base', '--run', join(dir, 'run'), '--batch', '-3'], capture().io),
    ).toBe(2);
    const b = capture();
    expect(
      await main(
        ['train', 'base', '--run', join(dir, 'run'), '--init-adapter', join(dir, 'x.safetensors')],
        b.io,
      ),
    ).toBe(2);
    expect(b.err.join('\n')).toMatch(/--init-adapter starts an adapter/);
    const g = capture();
    expect(
      await main(['train', 'base', '--run', join(dir, 'run'), '--eval-guidance', '99'], g.io),
    ).toBe(2);
    expect(g.err.join('\n')).toMatch(/--eval-guidance must be a number in \[0, 50\]/);
  });

  it('exports a card whose sampling is the guidance given for the curve (none when not given)', async () => {
    const run = async (name: string, extra: string[]) => {
      const out = join(dir, `export-${name}`);
      const c = capture();
      const args = [
        'train',
        'base',
        '--run',
        join(dir, `run-${name}`),
        '--steps',
        '1',
        '--batch',
        '1',
      ];
      expect(
        await main([...args, '--threads', '1', '--export', out, ...extra], c.io),
        c.err.join('\n'),
      ).toBe(0);
      return JSON.parse(await readFile(join(out, 'card.json'), 'utf8')) as { sampling?: unknown };
    };
    expect(
      (
        await run('g', [
          '--prefetch',
          '0',
          '--eval-guidance',
          '2',
          '--eval-reference-guidance',
          '4',
        ])
      ).sampling,
    ).toEqual({
      guidance: { prompt: 2, reference: 4 },
    });
    expect((await run('p', ['--prefetch', '0', '--eval-guidance', '2'])).sampling).toEqual({
      guidance: { prompt: 2, reference: 2 },
    });
    // one compute thread with a batch-prefetch thread beside it (the worker entry must resolve)
    expect((await run('none', ['--prefetch', '1'])).sampling).toBeUndefined();
  });
});
