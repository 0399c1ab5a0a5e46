import { mkdtemp, readFile, writeFile, cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRgbPng, encodeRgbPng, readPngFile, writePngFile } from './image';
import { readSuiteDir, scoreFolder, writeSuiteDir } from './io';
import { writeReport } from './report/index';
import { renderReference } from './render';
import { generateSubject } from './subject';

describe('PNG input validation', () => {
  it('non-PNG, corrupt and wrong-size files fail with the file named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-png-'));
    await writeFile(join(dir, 'a.png'), 'hello, not a png');
    await expect(readPngFile(join(dir, 'a.png'))).rejects.toThrow(/a\.png: not a PNG file/);
    const good = encodeRgbPng(renderReference(generateSubject(1), 32));
    await writeFile(join(dir, 'b.png'), good.slice(0, 60));
    await expect(readPngFile(join(dir, 'b.png'))).rejects.toThrow(/b\.png: corrupt PNG/);
    await writePngFile(join(dir, 'c.png'), renderReference(generateSubject(1), 48));
    await expect(readPngFile(join(dir, 'c.png'), { width: 32, height: 32 })).rejects.toThrow(
      /c\.png: wrong size 48x48, expected 32x32/,
    );
    await expect(readPngFile(join(dir, 'nope.png'))).rejects.toThrow(/nope\.png: cannot read/);
    expect(decodeRgbPng(good).width).toBe(32);
    await rm(dir, { recursive: true });
  });
});

describe('suite folders, folder scoring and reports', () => {
  it('scores the rest when an image is missing or bad, and reports both', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-suite-'));
    const suiteDir = join(dir, 'suite');
    const m = await writeSuiteDir(suiteDir, 'two-subject', { count: 6, withTruth: true });
    expect((await readSuiteDir(suiteDir)).items).toHaveLength(6);
    const images = join(dir, 'images');
    await cp(join(suiteDir, 'truth'), images, { recursive: true });
    await rm(join(images, `${m.items[1]!.id}.png`));
    await writePngFile(
      join(images, `${m.items[2]!.id}.png`),
      renderReference(generateSubject(3), 64),
    ); // wrong size
    await writeFile(
      join(images, `${m.items[3]!.id}.routing.json`),
      JSON.stringify({ grid: 8, map: Array(64).fill(0) }),
    );
    const result = await scoreFolder(suiteDir, images);
    expect(result.items.map((i) => i.status)).toEqual([
      'scored',
      'missing',
      'error',
      'scored',
      'scored',
      'scored',
    ]);
    expect(result.items[2]!.error).toMatch(/two-subject-002\.png: wrong size 64x64/);
    expect(result.items[3]!.routing?.grid).toBe(8);
    for (const i of result.items.filter((x) => x.score))
      expect(i.score!.fidelity).toBeGreaterThanOrEqual(0.95);

    const { summary, files } = await writeReport(join(dir, 'report'), suiteDir, result);
    expect(summary.scored).toBe(4);
    expect(summary.missing).toEqual([m.items[1]!.id]);
    const md = await readFile(files[0]!, 'utf8');
    expect(md).toContain('| two-subject-001 | — |');
    expect(md).toContain('missing');
    const json = JSON.parse(await readFile(files[1]!, 'utf8'));
    expect(json.items).toHaveLength(6);
    expect(json.summary.mean.fidelity).toBeGreaterThan(0.95);
    const sheet = await readPngFile(files[2]!);
    expect(sheet.height).toBeGreaterThan(6 * 64);
    await rm(dir, { recursive: true });
  });

  it('a malformed suite manifest is named in the error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-bad-'));
    await writeFile(
      join(dir, 'suite.json'),
      '{"name":"two-subject","size":32,"refSize":32,"items":[{"id":"x"}]}',
    );
    await expect(readSuiteDir(dir)).rejects.toThrow(/suite\.json: invalid at items\.0\.prompt/);
    await writeFile(join(dir, 'suite.json'), '{');
    await expect(readSuiteDir(dir)).rejects.toThrow(/suite\.json: malformed JSON/);
    await rm(dir, { recursive: true });
  });
});
