import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors';

// ---------------------------------------------------------------------------------------------
// tfjs-backend-wasm 4.22's Slice (and SplitV, which calls it) starts with readSync(x), which
// copies the *whole* input out of the wasm heap for every slice: splitting a [n·T, D] tensor
// into n groups costs n full copies (measured: one row of a [100000, 128] tensor, 33 ms).
// These replacements read the input through a heap view and copy only the slice.
// ---------------------------------------------------------------------------------------------

type TWasmBackend = {
  incRef(dataId: tf.DataId): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
};

/** One typed view over the whole wasm heap (the element type of the tensors) and the element
 * index where each tensor's data starts: copies between them are copyWithin calls, with no
 * subarray object per copy. Call after the kernel's makeOutput: allocating may grow (and
 * replace) the heap. */
function heapIndex(
  backend: TWasmBackend,
  tensors: tf.TensorInfo[],
): { heap: Float32Array; at: number[] } {
  const views = tensors.map((t) => backend.typedArrayFromHeap(t));
  const Heap = views[0]!.constructor as Float32ArrayConstructor;
  return {
    heap: new Heap(views[0]!.buffer),
    at: views.map((v) => v.byteOffset / v.BYTES_PER_ELEMENT),
  };
}

function sliceInto(
  backend: TWasmBackend,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const {
    heap,
    at: [xBase, outBase],
  } = heapIndex(backend, [x, out]);
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = xBase! + tf.slice_util.computeFlatOffset(begin, strides);
    heap.copyWithin(outBase!, off, off + tf.util.sizeFromShape(size));
    return out;
  }
  // Copy runs along the last axis, walking the outer indices like an odometer (a [2816, 384] →
  // 3 × [2816, 128] split is 8 448 runs).
  let dst = outBase!;
  const run = size[rank - 1]!;
  const outer = tf.util.sizeFromShape(size) / Math.max(run, 1);
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let o = 0; o < outer; o++, dst += run) {
    let off = xBase! + begin[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) off += (begin[d]! + idx[d]!) * strides[d]!;
    heap.copyWithin(dst, off, off + run);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Swaps the wasm backend's kernel `name` for `make(stock)`, where `stock` is the kernel it
 * replaces (the fallback for cases the replacement leaves alone); returns `stock`.
 */
export function replaceWasmKernel(
  name: string,
  make: (stock: tf.KernelFunc) => tf.KernelFunc,
): tf.KernelFunc {
  const stock = tf.getKernel(name, 'wasm')?.kernelFunc;
  if (!stock) throw new BackendUnavailableError(`wasm ${name} kernel not registered`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: make(stock) });
  return stock;
}

let installed = false;

/** Replaces the wasm Slice, SplitV and Concat kernels (call after the wasm backend is registered). */
export function installFastWasmSlices(): void {
  if (installed) return;
  installed = true;
  replaceWasmKernel('Slice', (stock) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    const { begin, size } = args.attrs as unknown as {
      begin: number | number[];
      size: number | number[];
    };
    const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
    return sliceInto(args.backend as TWasmBackend, x, b!, s!);
  });
  replaceWasmKernel('SplitV', (stock) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as {
      numOrSizeSplits: number | number[];
      axis: number;
    };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const out = sliceInto(args.backend as TWasmBackend, x, [...begin], size);
      begin[ax]! += s;
      return out;
    });
  });
  // Concat: the stock kernel copies row by row through a new subarray per row and input; this
  // one copies the same runs with copyWithin on one view of the heap.
  replaceWasmKernel('Concat', (stock) => (args) => {
    const inputs = (args.inputs as unknown as tf.TensorInfo[]).filter(
      (t) => tf.util.sizeFromShape(t.shape) > 0,
    );
    if (inputs.length < 2 || inputs[0]!.dtype === 'string') return stock(args);
    const backend = args.backend as TWasmBackend;
    const axis = tf.util.parseAxisParam(
      (args.attrs as { axis: number }).axis,
      inputs[0]!.shape,
    )[0]!;
    const outShape = tf.backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    );
    const out = backend.makeOutput(outShape, inputs[0]!.dtype);
    const { heap, at } = heapIndex(backend, [out, ...inputs]);
    const outer = tf.util.sizeFromShape(outShape.slice(0, axis));
    const inner = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    let dst = at[0]!;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inputs.length; i++) {
        const n = inner[i]!;
        const src = at[i + 1]! + o * n;
        heap.copyWithin(dst, src, src + n);
        dst += n;
      }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Identity: under a gradient tape the engine clones every tensor a kernel saves for the backward
// pass (saveTensorsForBackwardMode → Engine.clone → Identity). The wasm kernel copies the whole
// buffer each time — 10–13% of a training step in the profile in packages/model/BENCHMARKS.md — where
// the cpu backend only adds a reference. Wasm kernels never write into their inputs (every output
// comes from makeOutput; Variable.assign swaps data ids), so sharing the data is safe.
// ---------------------------------------------------------------------------------------------

let identityInstalled = false;

/** Replaces the wasm Identity kernel by a reference-counted share of the input's data. */
export function installZeroCopyIdentity(): void {
  if (identityInstalled) return;
  identityInstalled = true;
  replaceWasmKernel('Identity', (stock) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    (args.backend as unknown as TWasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
}
