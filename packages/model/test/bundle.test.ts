import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error — plain JS build script
import { bundle } from '../scripts/bundle.mjs';

describe('esbuild bundle', () => {
  it('holds exactly one tfjs-core (its CommonJS main) and trains on wasm', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'musar-bundle-')), 'main.mjs');
    const inputs: string[] = await bundle(path.join(import.meta.dirname, 'bundle-entry.ts'), out);
    const core = inputs.filter((p) => p.includes('@tensorflow/tfjs-core/'));
    expect(core).toEqual([expect.stringMatching(/tfjs-core\/dist\/tf-core\.node\.js$/)]);
    expect(inputs.some((p) => p.includes('tfjs-backend-wasm/dist/tf-backend-wasm.node.js'))).toBe(
      true,
    );
    const require = createRequire(import.meta.url);
    const wasmDir = path.join(
      path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
      'dist',
    );
    // Run from a folder without node_modules, as on the device machine.
    const r = spawnSync(process.execPath, [out], {
      cwd: path.dirname(out),
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, WASM_DIR: wasmDir },
    });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(res.backend).toBe('wasm');
    expect(Number.isFinite(res.loss)).toBe(true);
    expect(res.grads).toBeGreaterThan(20);
  });
});
