import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readPngFile } from '@musar/toyworld';
import { main } from './main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('musar world', () => {
  it('subject → spec → render; suite → score → report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'musar-cli-'));
    const c = capture();
    expect(
      await main(
        [
          'world',
          'subject',
          '--seed',
          '12',
          '--out',
          join(dir, 'ref.png'),
          '--spec-out',
          join(dir, 's.json'),
        ],
        c.io,
      ),
    ).toBe(0);
    expect((await readPngFile(join(dir, 'ref.png'))).width).toBe(32);
    const spec = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
    expect(spec.seed).toBe(12);

    expect(
      await main(
        [
          'world',
          'render',
          '--spec',
          join(dir, 's.json'),
          '--out',
          join(dir, 'x.png'),
          '--size',
          '64',
        ],
        c.io,
      ),
    ).toBe(0);
    expect((await readPngFile(join(dir, 'x.png'))).width).toBe(64);

    const suite = join(dir, 'suite');
    const writeSuite = (out: string, ...more: string[]) =>
      main(['world', 'suite', '--name', 'three-subject', '--out', out, ...more], c.io);
    expect(await writeSuite(suite, '--count', '4', '--with-truth')).toBe(0);
    const manifest = JSON.parse(await readFile(join(suite, 'suite.json'), 'utf8'));
    expect(manifest.items).toHaveLength(4);
    // a validation split: the items after the test split's, not the test items again
    const validation = join(dir, 'validation');
    expect(await writeSuite(validation, '--count', '2', '--first', '100')).toBe(0);
    const vItems = JSON.parse(await readFile(join(validation, 'suite.json'), 'utf8')).items;
    expect(vItems.map((i: { id: string }) => i.id)).toEqual([
      'three-subject-100',
      'three-subject-101',
    ]);
    expect(JSON.stringify(vItems[0].scene)).not.toBe(JSON.stringify(manifest.items[0].scene));
    // a scene spec renders too
    await writeFile(join(dir, 'scene.json'), JSON.stringify(manifest.items[0].scene));
    expect(
      await main(
        ['world', 'render', '--spec', join(dir, 'scene.json'), '--out', join(dir, 'scene.png')],
        c.io,
      ),
    ).toBe(0);

    const images = join(dir, 'images');
    await cp(join(suite, 'truth'), images, { recursive: true });
    await rm(join(images, 'three-subject-002.png'));
    const s = capture();
    expect(
      await main(
        ['world', 'score', '--suite', suite, '--images', images, '--out', join(dir, 'report')],
        s.io,
      ),
    ).toBe(0);
    expect(s.err).toEqual(['missing: three-subject-002']);
    expect(s.out[0]).toMatch(/^3\/4 scored — fidelity (0\.9[5-9]\d|1\.000)/);
    const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8'));
    expect(report.summary.missing).toEqual(['three-subject-002']);
    await rm(dir, { recursive: true });
  });

  it('bad input gives a clear message and a non-zero exit code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'musar-cli-bad-'));
    const c = capture();
    await writeFile(
      join(dir, 'bad.json'),
      JSON.stringify({
        seed: 1,
        shape: 'blob',
        body: 'red',
        accent: 'blue',
        pattern: 'plain',
        glyph: [1, 0, 0, 0],
      }),
    );
    expect(
      await main(
        ['world', 'render', '--spec', join(dir, 'bad.json'), '--out', join(dir, 'x.png')],
        c.io,
      ),
    ).toBe(1);
    expect(c.err.at(-1)).toMatch(/bad\.json: invalid — shape: Invalid option/);
    await writeFile(join(dir, 'broken.json'), '{"seed": ');
    expect(
      await main(
        ['world', 'render', '--spec', join(dir, 'broken.json'), '--out', join(dir, 'x.png')],
        c.io,
      ),
    ).toBe(2);
    expect(c.err.at(-1)).toMatch(/broken\.json: malformed JSON/);
    expect(await main(['world', 'subject', '--out', join(dir, 'x.png')], c.io)).toBe(2);
    expect(c.err.at(-1)).toMatch(/missing --seed/);
    expect(await main(['world', 'suite', '--name', 'five-subject', '--out', dir], c.io)).toBe(2);
    expect(await main(['world', 'subject', '--seed', '1', '--out', 'x', '--bogus'], c.io)).toBe(2);
    expect(await main(['nope'], c.io)).toBe(2);
    await rm(dir, { recursive: true });
  });

  it('bin/musar.mjs launches the CLI through tsx from any directory', async () => {
    const bin = fileURLToPath(new URL('../../../bin/musar.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'help'], {
      cwd: tmpdir(),
    });
    expect(stdout).toContain('world subject');
    expect(stdout).toContain('world score');
  });

  it('bin/musar.mjs passes SIGTERM on: a training run checkpoints and stops cleanly', async () => {
    const bin = fileURLToPath(new URL('../../../bin/musar.mjs', import.meta.url));
    const run = join(await mkdtemp(join(tmpdir(), 'musar-sig-')), 'run');
    const args = ['train', 'base', '--run', run, '--steps', '100000', '--batch', '1'];
    const child = spawn(process.execPath, [bin, ...args, '--threads', '1', '--prefetch', '0']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // wait for the first checkpoint, then stop the wrapper (not the CLI process it started)
    for (let i = 0; i < 600 && !existsSync(join(run, 'state.json')); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(run, 'state.json'))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/base: step \d+\/100000, \d+ samples/);
    const state = JSON.parse(await readFile(join(run, 'state.json'), 'utf8')) as { step: number };
    expect(out).toContain(`step ${state.step}/100000`);
  });
});
