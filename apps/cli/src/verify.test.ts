// `musar verify FILE`: valid, tampered and plain images, through the CLI entry point.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentials, sign } from '@musar/provenance';
import { makePng } from '@musar/provenance/testing';
import { main } from './main';

let dir: string;
let signed: string, plain: string, tampered: string, ca: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'musar-verify-'));
  const creds = await generateCredentials();
  const png = await sign(
    makePng(),
    {
      requestId: 'r-1',
      index: 0,
      seed: 1,
      model: { versionId: null, name: 'cli test model', weightsSha256: null },
      routing: {},
      subjectIds: ['s-1', 's-2'],
      consentRecordIds: ['c-1'],
      createdAt: new Date().toISOString(),
    },
    creds,
  );
  writeFileSync((signed = join(dir, 'signed.png')), png);
  writeFileSync((plain = join(dir, 'plain.png')), makePng());
  const t = Buffer.from(png);
  const at = t.indexOf(Buffer.from('cli test model'));
  t[at] = t[at]! ^ 1;
  writeFileSync((tampered = join(dir, 'tampered.png')), t);
  writeFileSync((ca = join(dir, 'ca.pem')), creds.caPem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = async (...argv: string[]) => {
  const out: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => out.push(l) });
  return { code, text: out.join('\n') };
};

describe('musar verify', () => {
  it('reports valid credentials with what made the image', async () => {
    const { code, text } = await run('verify', signed, '--trust', ca);
    expect(code).toBe(0);
    expect(text).toContain('VALID Content Credentials, signer trusted');
    expect(text).toContain('action c2pa.created [trainedAlgorithmicMedia]');
    expect(text).toContain('subjects s-1, s-2');
  });
  it('fails on a tampered image and says a plain one has no credentials', async () => {
    const bad = await run('verify', tampered);
    expect(bad.code).toBe(1);
    expect(bad.text).toContain('INVALID');
    const none = await run('verify', plain);
    expect(none.code).toBe(1);
    expect(none.text).toContain('plain.png: no credentials');
  });
  it('needs a file', async () => {
    expect((await run('verify')).code).toBe(2);
  });
});
