import { cp, mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderScene, suiteItem, writePngFile } from '@musar/toyworld';
import { colourDrift, degrade, splitBackground } from '@musar/toyworld/scorer/planted';
import { writeEvalResults } from './commands/eval';
import { main } from './main';

// `musar eval` on the new suites, and one seam rate in metrics.json and report.md (issue 13, item 6:
// metrics.json said seamRate 0 while report.md said "items with a seam 40.0%").
const models = fileURLToPath(new URL('../../../models/', import.meta.url));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'musar-eval-suites-'));
});

const seamRow = (md: string) =>
  Number(/\| items with a seam[^|]*\| ([\d.]+)% \|/.exec(md)![1]) / 100;

describe('seam rate: one definition in metrics.json and report.md', () => {
  it('planted split backgrounds count as seams in both; noisy seam-free images count in neither', async () => {
    const suite = join(dir, 'seam-suite');
    expect(
      await main(
        ['world', 'suite', '--name', 'two-subject', '--out', suite, '--count', '10'],
        capture().io,
      ),
    ).toBe(0);
    const out = join(dir, 'seam-eval');
    await mkdir(join(out, 'images'), { recursive: true });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const it = suiteItem('two-subject', i);
      ids.push(it.id);
      // items 0–3: a diptych seam; 4–9: generated-looking (blur, noise, colour drift), no seam
      const img =
        i < 4
          ? splitBackground(it.scene, 32, i)
          : colourDrift(degrade(renderScene(it.scene, 32).image, 0.03, i), 0.08);
      await writePngFile(join(out, 'images', `${it.id}.png`), img);
    }
    const summary = await writeEvalResults(out, suite, ids, { model: 'planted' });
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    const report = await readFile(join(out, 'report.md'), 'utf8');
    const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(metrics.metrics.seamRate).toBeCloseTo(0.4, 10);
    expect(seamRow(report)).toBeCloseTo(0.4, 10);
    expect(json.summary.seamRate).toBeCloseTo(0.4, 10);
    expect(summary.metrics.seamRate).toBe(metrics.metrics.seamRate);
    // the seam-free noisy images do carry small nonzero seam scores: they must not count
    const noisy = json.items.slice(4).map((x: { score: { seam: number } }) => x.score.seam);
    expect(Math.min(...noisy)).toBeGreaterThan(0); // counting seam > 0 (the old report) said 100%
    expect(Math.max(...noisy)).toBeLessThan(0.5);
    // the per-item seam column agrees: planted ≥ 0.5, and no noisy row names a seam as its weakest point
    const rows = report.split('\n').filter((l) => l.startsWith('| two-subject-'));
    expect(rows).toHaveLength(10);
    rows.forEach((r, i) => {
      const seam = Number(r.split('|')[4]); // | id | fidelity | leakage | seam |
      if (i < 4) expect(seam).toBeGreaterThanOrEqual(0.5);
      else {
        expect(seam).toBeLessThan(0.5);
        expect(r).not.toMatch(/\| seam: /);
      }
    });
  });
});

describe('musar world suite / musar eval on the base and single suites', () => {
  it('base: prompt only, metrics.json and report.md carry the base score', async () => {
    const suite = join(dir, 'base');
    const c = capture();
    expect(
      await main(
        ['world', 'suite', '--name', 'base', '--out', suite, '--count', '3', '--with-truth'],
        c.io,
      ),
    ).toBe(0);
    expect(c.out.join('\n')).toMatch(/3 items of base/);
    expect(await readdir(suite)).not.toContain('refs');
    const out = join(dir, 'base-eval');
    const e = capture();
    expect(
      await main(
        [
          'eval',
          '--model',
          join(models, 'base'),
          '--suite',
          suite,
          '--out',
          out,
          '--steps',
          '2',
          '--backend',
          'wasm',
        ],
        e.io,
      ),
    ).toBe(0);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.suite).toBe('base');
    expect(metrics.metrics.n).toBe(3);
    for (const k of ['shape', 'count', 'relation', 'background']) {
      expect(metrics.baseScore[k]).toBeGreaterThanOrEqual(0);
      expect(metrics.baseScore[k]).toBeLessThanOrEqual(1);
    }
    expect(metrics.metrics.namedSubjects).toBeGreaterThan(0); // item 1 names two colours
    expect(metrics.baseScore.body).toBe(metrics.metrics.namedBody);
    const report = await readFile(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/## Base score/);
    expect(report).toMatch(
      /\| body colour where the prompt names it \| [\d.]+ \(\d+ subjects\) \|/,
    );
    // the ground truth of the same suite scores the ceiling through the same scoring path
    const truthOut = join(dir, 'base-truth');
    await mkdir(truthOut, { recursive: true });
    await cp(join(suite, 'truth'), join(truthOut, 'images'), { recursive: true });
    const t = await writeEvalResults(truthOut, suite, ['base-000', 'base-001', 'base-002'], {});
    expect(t.baseScore).toEqual({ shape: 1, body: 1, count: 1, relation: 1, background: 1 });
  });

  it('single: one reference per item; an unknown suite name is refused', async () => {
    const suite = join(dir, 'single');
    expect(
      await main(
        ['world', 'suite', '--name', 'single', '--out', suite, '--count', '2'],
        capture().io,
      ),
    ).toBe(0);
    expect((await readdir(join(suite, 'refs'))).sort()).toEqual([
      'single-000-0.png',
      'single-001-0.png',
    ]);
    const out = join(dir, 'single-eval');
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
          '2',
          '--backend',
          'wasm',
        ],
        capture().io,
      ),
    ).toBe(0);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.metrics.n).toBe(2);
    expect(metrics.baseScore).toBeUndefined();
    const bad = capture();
    expect(
      await main(['world', 'suite', '--name', 'five-subject', '--out', join(dir, 'x')], bad.io),
    ).toBe(2);
    expect(bad.err.join('\n')).toMatch(/base, single, two-subject/);
  });
});
