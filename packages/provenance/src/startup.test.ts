// Server start: the embedded signing pair is made then (not at the first output), and the log
// line says where the credentials come from.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCredentials, prepareInstanceCredentials } from './credentials';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'musar-c2pa-start-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('prepareInstanceCredentials (server start)', () => {
  it('embedded mode: generates the pair on the first start, keeps it on the next', async () => {
    const dir = tempDir();
    expect(existsSync(join(dir, 'c2pa'))).toBe(false);
    const first = await prepareInstanceCredentials(dir, {});
    expect(first.state).toBe('generated');
    expect(first.message).toMatch(/made a signing key and certificate for this instance/);
    expect(first.message).toContain(join(dir, 'c2pa'));
    expect(statSync(join(dir, 'c2pa', 'signer-key.pem')).mode & 0o077).toBe(0);
    expect(existsSync(join(dir, 'c2pa', 'ca.pem'))).toBe(true);
    const second = await prepareInstanceCredentials(dir, {});
    expect(second.state).toBe('kept');
    expect(second.message).toMatch(/signing with this instance's key and certificate/);
    expect(second.credentials).toEqual(first.credentials);
  });

  it('production: the env pair is used and named; without it nothing is generated', async () => {
    const dir = tempDir();
    const made = await generateCredentials({ organization: 'Prod' });
    const fromEnv = await prepareInstanceCredentials(dir, {
      DATABASE_URL: 'postgres://x',
      MUSAR_C2PA_CERT: made.certPem,
      MUSAR_C2PA_KEY: made.keyPem,
    });
    expect(fromEnv.state).toBe('env');
    expect(fromEnv.message).toMatch(/certificate from MUSAR_C2PA_CERT \(CN=Prod C2PA signer/);
    const missing = await prepareInstanceCredentials(dir, { MUSAR_MODE: 'production' });
    expect(missing).toMatchObject({ state: 'missing', credentials: null });
    expect(missing.message).toMatch(/MUSAR_C2PA_CERT and MUSAR_C2PA_KEY are not set/);
    expect(existsSync(join(dir, 'c2pa'))).toBe(false);
    // a malformed value (an SEC1 key, not PKCS#8) or a missing file stops the start
    const sec1 = '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n';
    await expect(
      prepareInstanceCredentials(dir, { MUSAR_C2PA_CERT: made.certPem, MUSAR_C2PA_KEY: sec1 }),
    ).rejects.toThrow(/PKCS#8/);
    await expect(
      prepareInstanceCredentials(dir, {
        MUSAR_C2PA_CERT: made.certPem,
        MUSAR_C2PA_KEY: join(dir, 'no-such-key.pem'),
      }),
    ).rejects.toThrow(/ENOENT/);
  });
});
