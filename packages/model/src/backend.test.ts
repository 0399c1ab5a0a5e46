import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { currentBackend, initBackend } from './backend';
import { BackendUnavailableError } from './errors';

describe('backend selection', () => {
  it('runs on wasm in tests, with gradients registered', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(currentBackend()?.name).toBe('wasm');
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]));
    expect([...g.dataSync()]).toEqual([2, 4]);
  });

  it('rejects unknown names and unavailable explicit backends with BackendUnavailableError', async () => {
    await expect(initBackend('tpu')).rejects.toThrow(
      /not one of auto\|wasm\|cpu\|webgpu\|tensorflow/,
    );
    await expect(initBackend('tensorflow')).rejects.toThrow(BackendUnavailableError);
    // No GPU adapter on CPU machines (Dawn refuses lavapipe): a clear reason, and wasm stays.
    const gpu = await initBackend('webgpu').catch((e: Error) => e);
    if (gpu instanceof Error) expect(gpu.message).toMatch(/webgpu|adapter/i);
    if (gpu instanceof Error) expect(tf.getBackend()).toBe('wasm');
  });

  it('auto falls back to wasm in a fresh process and says why', () => {
    const script = `import('${path.join(import.meta.dirname, 'backend.ts')}').then(async (m) => { const i = await m.initBackend('auto'); console.log(JSON.stringify(i)); })`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, MUSAR_BACKEND: '' },
    });
    const info = JSON.parse(r.stdout.trim().split('\n').pop()!);
    if (info.name === 'wasm')
      expect(info.note).toMatch(/fell back to wasm \(.*tfjs-node-gpu not installed.*\)/);
    else expect(['webgpu', 'tensorflow']).toContain(info.name);
  });
});
