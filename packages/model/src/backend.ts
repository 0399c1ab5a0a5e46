import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors';
// Gradients are not in tfjs-core's CommonJS main; scripts/vendor-gradients.mjs says why this file.
// A static import, so bundlers (esbuild, the device pack) include it.
import './vendor/register-gradients.cjs';
import { registerFastMatMulGradient } from './model/matmul-grad';
import { setHeadBatchedAttention } from './model/attention';
import { installNativeMatMul, nativeMatMulActive } from './model/native-matmul';
import { installFastWasmSlices, installZeroCopyIdentity } from './model/wasm-kernels';

// ---------------------------------------------------------------------------------------------
// Backend selection: MUSAR_BACKEND=auto|wasm|cpu|webgpu|tensorflow (default auto).
// auto → tfjs-node-gpu when installed, else webgpu when a GPU adapter exists, else wasm.
// ---------------------------------------------------------------------------------------------

export type TBackendName = 'auto' | 'wasm' | 'cpu' | 'webgpu' | 'tensorflow';
export type TBackendInfo = { name: Exclude<TBackendName, 'auto'>; note: string };

const require = createRequire(import.meta.url);
let current: TBackendInfo | null = null;

function parseName(value: string | undefined): TBackendName {
  const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (['auto', 'wasm', 'cpu', 'webgpu', 'tensorflow'].includes(v)) return v as TBackendName;
  throw new BackendUnavailableError(
    `MUSAR_BACKEND="${value}" is not one of auto|wasm|cpu|webgpu|tensorflow`,
  );
}

async function useWasm(): Promise<boolean> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Bundles (esbuild, the device pack) lose the package folder: WASM_DIR points at the binaries.
  const dir =
    process.env.WASM_DIR ??
    path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  wasm.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
  return tf.setBackend('wasm');
}

async function useCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend('cpu');
}

/** Creates navigator.gpu from Dawn (npm `webgpu`) before the webgpu backend module is evaluated. */
function hasGpuDevice(): boolean {
  try {
    if (existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0')) return true;
    return existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

async function useWebgpu(explicit = false): Promise<string | null> {
  try {
    const g = globalThis as unknown as {
      navigator?: { gpu?: { requestAdapter(): Promise<unknown> } };
    };
    // Without a GPU device node there is nothing to find, and Dawn would only print a Vulkan
    // warning (auto mode on CPU machines); an explicit MUSAR_BACKEND=webgpu still tries.
    if (!explicit && !hasGpuDevice()) return 'no GPU device (/dev/nvidia*, /dev/dri/renderD*)';
    if (!g.navigator?.gpu) {
      const dawnPath =
        process.env.DAWN_NODE ??
        require.resolve('webgpu').replace(/index\.js$/, 'dist/linux-x64/dawn.node');
      const { create, globals } = require(dawnPath) as {
        create(o: string[]): unknown;
        globals: object;
      };
      Object.assign(globalThis, globals);
      Object.defineProperty(globalThis, 'navigator', {
        value: { gpu: create([]) },
        configurable: true,
        writable: true,
      });
    }
    const adapter = await g.navigator!.gpu!.requestAdapter();
    if (!adapter) return 'no WebGPU adapter (requestAdapter() returned null)';
    await import('@tensorflow/tfjs-backend-webgpu');
    return (await tf.setBackend('webgpu')) ? null : 'tf.setBackend("webgpu") failed';
  } catch (err) {
    return `webgpu unavailable: ${(err as Error).message}`;
  }
}

/** tfjs-node-gpu is an optional peer dependency; import it only if it is installed. */
async function useTensorflow(): Promise<string | null> {
  try {
    const mod = '@tensorflow/tfjs-node-gpu';
    await import(/* @vite-ignore */ mod);
    return (await tf.setBackend('tensorflow')) ? null : 'tf.setBackend("tensorflow") failed';
  } catch (err) {
    return `@tensorflow/tfjs-node-gpu not installed (${(err as Error).message.split('\n')[0]})`;
  }
}

/**
 * Selects and initialises the backend (idempotent per process / worker thread). An explicit
 * name that cannot run throws BackendUnavailableError; `auto` falls back and says why in `note`.
 */
export async function initBackend(
  requested: string | undefined = process.env.MUSAR_BACKEND,
): Promise<TBackendInfo> {
  const name = parseName(requested);
  if (current && (name === 'auto' || name === current.name)) return current;
  let info: TBackendInfo;
  if (name === 'wasm' || name === 'cpu') {
    const ok = name === 'wasm' ? await useWasm() : await useCpu();
    if (!ok) throw new BackendUnavailableError(`backend ${name} failed to initialise`);
    info = { name, note: `${name} requested` };
  } else if (name === 'webgpu' || name === 'tensorflow') {
    const why = name === 'webgpu' ? await useWebgpu(true) : await useTensorflow();
    if (why) throw new BackendUnavailableError(why);
    info = { name, note: `${name} requested` };
  } else {
    const notes: string[] = [];
    const tfWhy = await useTensorflow();
    if (!tfWhy) info = { name: 'tensorflow', note: 'auto: tfjs-node-gpu installed' };
    else {
      notes.push(tfWhy);
      const gpuWhy = await useWebgpu();
      if (!gpuWhy) info = { name: 'webgpu', note: 'auto: WebGPU adapter found' };
      else {
        notes.push(gpuWhy);
        if (!(await useWasm()))
          throw new BackendUnavailableError('wasm backend failed to initialise');
        info = { name: 'wasm', note: `auto: fell back to wasm (${notes.join('; ')})` };
      }
    }
  }
  await tf.ready();
  registerFastMatMulGradient();
  if (info.name === 'wasm' && !process.env.NO_FAST_SLICE) installFastWasmSlices();
  if (info.name === 'wasm' && !process.env.NO_ZERO_COPY_IDENTITY) installZeroCopyIdentity();
  // MUSAR_NATIVE=auto|on|off: BatchMatMul through OpenBLAS on the wasm heap (model/native-matmul.ts).
  if (info.name === 'wasm') info = { ...info, note: `${info.note}; ${installNativeMatMul().note}` };
  // Head-batched attention where batched matmuls are fast: native BLAS, or a GPU backend.
  setHeadBatchedAttention(() =>
    info.name === 'wasm' || info.name === 'cpu' ? nativeMatMulActive() : true,
  );
  current = info;
  return info;
}

export function currentBackend(): TBackendInfo | null {
  return current;
}
