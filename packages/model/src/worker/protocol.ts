import * as tf from '@tensorflow/tfjs-core';
import type { TModelInputs } from '../model/inputs';
import type { TSampleOptions } from '../sampler';
import type { TTrainerOptions } from '../train';

// Messages between a pool (main thread) and its model workers. Tensors travel as typed arrays.

export type TWireTensor = {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
};
export type TWireInputs = {
  prompt: TWireTensor;
  condText: TWireTensor | null;
  references: TWireTensor | null;
};

export type TInitMessage = {
  type: 'init';
  backend?: string;
  config: unknown;
  /** Base weights (safetensors bytes from saveCheckpoint). */
  weights: Uint8Array;
  /** Optional adapter weights. */
  adapter?: Uint8Array | null;
  trainer?: TTrainerOptions | null;
};
export type TRequest =
  | TInitMessage
  | { type: 'generate'; inputs: TWireInputs; options: Omit<TSampleOptions, 'onStep'> }
  | {
      type: 'gradients';
      batch: TWireInputs & {
        images: TWireTensor;
        regions: Int32Array | null;
        keepSubject: boolean[][] | null;
      };
      seed: number;
    }
  | { type: 'apply'; grads: Float32Array[] }
  | { type: 'export'; what: 'base' | 'adapter' };

export type TResponse =
  | { type: 'ready'; backend: string }
  | { type: 'generated'; images: TWireTensor; routingMap: Int32Array | null }
  | { type: 'gradients'; loss: number; grads: Float32Array[] }
  | { type: 'applied'; gradNorm: number; step: number }
  | { type: 'exported'; weights: Uint8Array }
  | { type: 'error'; name: string; message: string };

export function toWire(t: tf.Tensor): TWireTensor {
  return {
    shape: t.shape,
    dtype: t.dtype as 'float32' | 'int32',
    data: t.dataSync() as Float32Array | Int32Array,
  };
}

export function fromWire<T extends tf.Tensor>(w: TWireTensor): T {
  return tf.tensor(w.data, w.shape, w.dtype) as T;
}

export function inputsToWire(i: TModelInputs): TWireInputs {
  return {
    prompt: toWire(i.prompt),
    condText: i.condText ? toWire(i.condText) : null,
    references: i.references ? toWire(i.references) : null,
  };
}

export function inputsFromWire(w: TWireInputs): TModelInputs {
  return {
    prompt: fromWire<tf.Tensor2D>(w.prompt),
    condText: w.condText ? fromWire<tf.Tensor3D>(w.condText) : null,
    references: w.references ? fromWire<tf.Tensor5D>(w.references) : null,
  };
}

/** Rows [from, to) of a wire tensor along its first axis. */
export function sliceWire(w: TWireTensor, from: number, to: number): TWireTensor {
  const row = w.shape.slice(1).reduce((a, b) => a * b, 1);
  return {
    shape: [to - from, ...w.shape.slice(1)],
    dtype: w.dtype,
    data: w.data.slice(from * row, to * row),
  };
}

/** Buffers to transfer (not copy) with a message. */
export function transferList(...arrays: (ArrayBufferView | null | undefined)[]): ArrayBuffer[] {
  return arrays.filter((a): a is ArrayBufferView => !!a).map((a) => a.buffer as ArrayBuffer);
}
