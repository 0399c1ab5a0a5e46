import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  parseConfig,
  sameLoraConfig,
  ZMusarConfig,
  type TLoraConfig,
  type TMusarConfig,
} from './config';
import { CheckpointError, parseOrThrow } from './errors';
import { MusarModel } from './model/dit';
import { ZRoutingParams } from './routing/params';
import { ZModelSampling } from './sampling';

// ---------------------------------------------------------------------------------------------
// Checkpoints in the safetensors layout: u64 little-endian header length, a JSON header
// {name: {dtype: "F32", shape, data_offsets}, __metadata__: {…strings}}, then little-endian
// float32 data. Hand-written (≈40 lines): the format is tiny and the npm readers are
// PyTorch/Node-buffer oriented; this stays bytes-in, bytes-out for the browser and workers.
// A checkpoint = weights bytes + config JSON + model card JSON; adapters are saved apart.
// ---------------------------------------------------------------------------------------------

export type TNamedArray = { name: string; shape: number[]; data: Float32Array };

const ZHeaderEntry = z.object({
  dtype: z.literal('F32'),
  shape: z.array(z.number().int().min(0)),
  data_offsets: z.tuple([z.number().int(), z.number().int()]),
});

export function encodeSafetensors(
  arrays: TNamedArray[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const a of arrays) {
    header[a.name] = {
      dtype: 'F32',
      shape: a.shape,
      data_offsets: [offset, offset + a.data.length * 4],
    };
    offset += a.data.length * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8; // keep the data 8-byte aligned, as the spec recommends
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const a of arrays) {
    for (let i = 0; i < a.data.length; i++) view.setFloat32(p + i * 4, a.data[i]!, true);
    p += a.data.length * 4;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Map<string, TNamedArray>;
  metadata: Record<string, string>;
} {
  if (bytes.length < 8)
    throw new CheckpointError('checkpoint is shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length)
    throw new CheckpointError(
      `checkpoint header length ${n} exceeds the file size ${bytes.length}`,
    );
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw new CheckpointError('checkpoint header is not valid JSON');
  }
  const metadata = parseOrThrow(
    z.record(z.string(), z.string()).default({}),
    header.__metadata__,
    'checkpoint metadata',
    CheckpointError,
  );
  const tensors = new Map<string, TNamedArray>();
  const base = 8 + n;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = parseOrThrow(ZHeaderEntry, raw, `checkpoint tensor "${name}"`, CheckpointError);
    const [s, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end - s !== count * 4 || base + end > bytes.length)
      throw new CheckpointError(
        `checkpoint tensor "${name}" has ${end - s} bytes for shape [${e.shape}]`,
      );
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(base + s + i * 4, true);
    tensors.set(name, { name, shape: e.shape, data });
  }
  return { tensors, metadata };
}

export const ZModelCard = z.object({
  name: z.string().min(1),
  kind: z.enum(['base', 'adapter']),
  /** What it was trained on (dataset names, sizes, seeds). */
  data: z.string().default(''),
  steps: z.number().int().min(0).default(0),
  /** Where and how long it trained. */
  compute: z
    .object({
      backend: z.string(),
      seconds: z.number().min(0),
      workers: z.number().int().min(1).default(1),
    })
    .partial()
    .default({}),
  metrics: z.record(z.string(), z.number()).default({}),
  /** Default dynamic-routing parameters for generation with this model. */
  routingDefaults: ZRoutingParams.partial().optional(),
  /** Default sampling (guidance scales, steps) for generation and evaluation with this model. */
  sampling: ZModelSampling.optional(),
  createdAt: z.string().default(() => new Date().toISOString()),
});
export type TModelCard = z.infer<typeof ZModelCard>;
export type TCheckpoint = { weights: Uint8Array; config: TMusarConfig; card: TModelCard };

function arraysOf(vars: Map<string, tf.Variable>): TNamedArray[] {
  return [...vars].map(([name, v]) => ({
    name,
    shape: v.shape,
    data: v.dataSync() as Float32Array,
  }));
}

/** The base weights (kind 'base') or the LoRA adapters only (kind 'adapter') as a checkpoint. */
export function saveCheckpoint(model: MusarModel, card: z.input<typeof ZModelCard>): TCheckpoint {
  const c = parseOrThrow(ZModelCard, card, 'invalid model card');
  if (c.kind === 'adapter' && !model.lora)
    throw new CheckpointError('model has no LoRA adapters to save');
  const vars = c.kind === 'adapter' ? model.lora!.namedVariables() : model.namedParams();
  // An adapter's config carries its own LoRA ranks (they belong to the adapter, not the base).
  const config = c.kind === 'adapter' ? { ...model.cfg, lora: model.lora!.config } : model.cfg;
  const metadata = { format: 'musar', kind: c.kind, config: JSON.stringify(config) };
  return { weights: encodeSafetensors(arraysOf(vars), metadata), config: model.cfg, card: c };
}

/** Copies named tensors into variables, checking that names and shapes match exactly. */
function assignAll(
  vars: Map<string, tf.Variable>,
  tensors: Map<string, TNamedArray>,
  what: string,
): void {
  const missing = [...vars.keys()].filter((n) => !tensors.has(n));
  const extra = [...tensors.keys()].filter((n) => !vars.has(n));
  if (missing.length)
    throw new CheckpointError(
      `${what} is missing tensor(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
    );
  if (extra.length)
    throw new CheckpointError(`${what} has unexpected tensor(s): ${extra.slice(0, 5).join(', ')}`);
  for (const [name, v] of vars) {
    const t = tensors.get(name)!;
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i]))
      throw new CheckpointError(
        `${what}: tensor ${name} has shape [${t.shape}], model expects [${v.shape}]`,
      );
  }
  for (const [name, v] of vars) {
    const t = tensors.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
  }
}

/**
 * Checks a checkpoint's stored config against the model's and returns it. `ignore` names fields
 * that may differ: an adapter's `lora` (its ranks are its own; the base's are only defaults).
 */
function checkConfig(
  metadata: Record<string, string>,
  expected: TMusarConfig,
  what: string,
  ignore: (keyof TMusarConfig)[] = [],
): TMusarConfig {
  if (!metadata.config) throw new CheckpointError(`${what} carries no config`);
  let stored: TMusarConfig;
  try {
    stored = parseOrThrow(
      ZMusarConfig,
      JSON.parse(metadata.config),
      `${what} config`,
      CheckpointError,
    );
  } catch (e) {
    throw e instanceof CheckpointError
      ? e
      : new CheckpointError(`${what} config is not valid JSON`);
  }
  const diff = (Object.keys(expected) as (keyof TMusarConfig)[]).filter(
    (k) => !ignore.includes(k) && JSON.stringify(stored[k]) !== JSON.stringify(expected[k]),
  );
  if (diff.length)
    throw new CheckpointError(
      `${what} was trained with another config (differs in: ${diff.join(', ')})`,
    );
  return stored;
}

const loraText = (l: TLoraConfig) =>
  `noise ${l.noiseRank}/${l.noiseAlpha}, subject ${l.subjectRank}/${l.subjectAlpha}`;

type TAdapterFile = { tensors: Map<string, TNamedArray>; shared: boolean; lora: TLoraConfig };

/** Adapter bytes decoded once: tensors, kind (single or dual branch) and LoRA ranks, validated. */
function readAdapter(weights: Uint8Array, modelCfg: TMusarConfig): TAdapterFile {
  const { tensors, metadata } = decodeSafetensors(weights);
  if (metadata.kind !== 'adapter')
    throw new CheckpointError(`expected an adapter checkpoint, got kind "${metadata.kind}"`);
  const stored = checkConfig(metadata, modelCfg, 'adapter', ['lora']);
  // A single-LoRA ablation adapter stores one `lora_shared` adapter per layer.
  const shared = [...tensors.keys()].some((n) => n.includes('.lora_shared.'));
  return { tensors, shared, lora: stored.lora };
}

/** An adapter's kind and LoRA ranks, read from its header (validated against the model config). */
export function adapterLora(
  weights: Uint8Array,
  modelCfg: TMusarConfig,
): { shared: boolean; lora: TLoraConfig } {
  const { shared, lora } = readAdapter(weights, modelCfg);
  return { shared, lora };
}

/** A new model from a base checkpoint (weights + config); validates config, names and shapes. */
export function loadCheckpoint(ckpt: { weights: Uint8Array; config: unknown }): MusarModel {
  let cfg: TMusarConfig;
  try {
    cfg = parseConfig(ckpt.config);
  } catch (e) {
    throw new CheckpointError(`checkpoint config is invalid: ${(e as Error).message}`);
  }
  const { tensors, metadata } = decodeSafetensors(ckpt.weights);
  if (metadata.kind !== 'base')
    throw new CheckpointError(`expected a base checkpoint, got kind "${metadata.kind}"`);
  checkConfig(metadata, cfg, 'checkpoint');
  const model = new MusarModel(cfg);
  try {
    assignAll(model.namedParams(), tensors, 'checkpoint');
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Starts the model's LoRA from a trained adapter: the same kind loads as it is (loadAdapter); a
 * single-branch (shared) adapter into a dual-branch LoRA is converted (subject branch = the
 * shared adapter, noise branch = its truncated SVD; see DualBranchLora.initFromShared). A
 * dual-branch adapter cannot start a single-branch LoRA (which of its branches?), so that is
 * refused. `noiseEnergy` is reported for a conversion.
 */
export function initAdapter(
  model: MusarModel,
  weights: Uint8Array,
): { converted: boolean; noiseEnergy?: number } {
  const file = readAdapter(weights, model.cfg);
  const { tensors, shared, lora: ranks } = file;
  if (!model.lora || model.lora.shared || !shared) {
    assignAdapter(model, file);
    return { converted: false };
  }
  const target = model.lora.config;
  if (ranks.subjectRank !== target.subjectRank || ranks.subjectAlpha !== target.subjectAlpha)
    throw new CheckpointError(
      `a single-branch adapter of rank ${ranks.subjectRank}/${ranks.subjectAlpha} starts only a subject branch of the same rank (the LoRA has ${target.subjectRank}/${target.subjectAlpha})`,
    );
  const byLayer = new Map<string, { A: Float32Array; B: Float32Array }>();
  for (const name of model.lora.adapters.keys()) {
    const A = tensors.get(`${name}.lora_shared.A`);
    const B = tensors.get(`${name}.lora_shared.B`);
    if (!A || !B) throw new CheckpointError(`adapter is missing tensor(s): ${name}.lora_shared.*`);
    byLayer.set(name, { A: A.data, B: B.data });
  }
  const extra = [...tensors.keys()].filter(
    (n) => !byLayer.has(n.replace(/\.lora_shared\.[AB]$/, '')),
  );
  if (extra.length)
    throw new CheckpointError(`adapter has unexpected tensor(s): ${extra.slice(0, 5).join(', ')}`);
  try {
    return { converted: true, ...model.lora.initFromShared(byLayer) };
  } catch (e) {
    throw new CheckpointError((e as Error).message);
  }
}

/** Loads adapter bytes into the model (attaching a LoRA if needed); validates like loadCheckpoint. */
export function loadAdapter(model: MusarModel, weights: Uint8Array): void {
  assignAdapter(model, readAdapter(weights, model.cfg));
}

function assignAdapter(model: MusarModel, { tensors, shared, lora: ranks }: TAdapterFile): void {
  if (model.lora && model.lora.shared !== shared)
    throw new CheckpointError(
      `adapter is ${shared ? 'single-branch' : 'dual-branch'} but the model has a ${model.lora.shared ? 'single' : 'dual'}-branch LoRA attached`,
    );
  if (model.lora && !sameLoraConfig(model.lora.config, ranks))
    throw new CheckpointError(
      `adapter has LoRA ranks (${loraText(ranks)}) but the attached LoRA has (${loraText(model.lora.config)})`,
    );
  const lora = model.lora ?? model.attachLora(0, { shared, config: ranks });
  assignAll(lora.namedVariables(), tensors, 'adapter');
}
