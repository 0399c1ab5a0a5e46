import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { gridSide, tokensPerImage } from './config';
import { parseOrThrow } from './errors';
import { deriveSeed } from './random';
import type { MusarModel, TContextCache } from './model/dit';
import { validateInputs, type TModelInputs } from './model/inputs';
import { dynamicRouter, type TDynamicRouter, type TRoutingParamsInput } from './routing/dynamic';
import { staticRoutingPlan, targetContextBias, type TRoutingPlan } from './routing/plan';

// ---------------------------------------------------------------------------------------------
// Sampling: integrate dx/dt = v from t = 1 (noise) to 0 with Euler or Heun, classifier-free
// guidance on prompt and references, seeded noise, condition keys/values computed once.
// ---------------------------------------------------------------------------------------------

export const ZSampleOptions = z.object({
  /** Number of integration steps. */
  steps: z.number().int().min(1).max(1000).default(20),
  /** Euler (1 evaluation per step) or Heun (2, last step Euler). */
  method: z.enum(['euler', 'heun']).default('euler'),
  /** Guidance scales: v = v∅ + p·(v_P − v∅) + r·(v_PR − v_P). p = r = 1 turns guidance off. */
  guidance: z.object({ prompt: z.number().min(0).max(50).default(3), reference: z.number().min(0).max(50).default(1.5) }).prefault({}),
  /** Seed of the initial noise; image i of the batch draws its noise from (seed, firstImageIndex + i). */
  seed: z.number().int().min(0).default(0),
  /** Index of the batch's first image, so a batch split across workers draws the same noise. */
  firstImageIndex: z.number().int().min(0).default(0),
  /** Reuse condition keys/values across steps (false recomputes them: for tests and benchmarks). */
  cache: z.boolean().default(true),
  /** Dynamic attention routing (validated by dynamicRouter: InvalidRoutingError); omitted = static routing without regions. */
  routing: z.custom<TRoutingParamsInput>((v) => typeof v === 'object' && v !== null, 'routing must be an object').optional(),
});
export type TSampleOptions = z.input<typeof ZSampleOptions>;

export type TSampleResult = {
  /** float32 [B, H, W, 3] in [-1, 1]. */
  images: tf.Tensor4D;
  /** [B·g·g] final routing map (subject index or −1), null without dynamic routing. */
  routingMap: Int32Array | null;
};

/** Stacks the guidance rows: [P+R | P only | ∅] (or just P+R without guidance). */
function guidanceInputs(inputs: TModelInputs, rows: number): TModelInputs {
  if (rows === 1) return inputs;
  const rep = <T extends tf.Tensor>(x: T | null | undefined) => (x ? (tf.concat([x, x, x], 0) as T) : x);
  return {
    prompt: tf.concat([inputs.prompt, inputs.prompt, tf.zerosLike(inputs.prompt)], 0),
    condText: rep(inputs.condText),
    references: rep(inputs.references),
  };
}

export function generate(model: MusarModel, inputs: TModelInputs, options: TSampleOptions = {}): TSampleResult {
  const o = parseOrThrow(ZSampleOptions, options, 'invalid sample options');
  const { batch: B, subjects: k } = validateInputs(model.cfg, inputs);
  const { imageSize: S } = model.cfg;
  const nx = tokensPerImage(model.cfg);
  const guided = !(o.guidance.prompt === 1 && o.guidance.reference === 1);
  const rows = guided ? 3 : 1;
  const keepSubject = Array.from({ length: rows * B }, (_, r) => Array(k).fill(r < B));
  const plan: TRoutingPlan = staticRoutingPlan({ subjects: k, batch: rows * B, keepSubject });
  const router: TDynamicRouter | null =
    o.routing && k > 0 ? dynamicRouter(o.routing, { subjects: k, grid: gridSide(model.cfg), depth: model.cfg.depth }) : null;
  const layout = model.layout();

  const ctxInputs = tf.tidy(() => guidanceInputs(inputs, rows) as unknown as tf.TensorContainer) as unknown as TModelInputs;
  const encode = () => tf.tidy(() => model.encodeContext(ctxInputs) as unknown as tf.TensorContainer) as unknown as TContextCache;
  let cache: TContextCache | null = o.cache ? encode() : null;
  const staticBias = targetContextBias(plan, layout);
  let map: Int32Array | null = router?.params.fixedMap ? router.update(new Float32Array(0), B) : null;

  /** Guided velocity at (x, t) for step `step`; reads routing mass when the router wants it. */
  const velocity = (x: tf.Tensor4D, t: number, step: number, readMass: boolean) => {
    const stepCache = cache ?? encode();
    const gate = router && map && router.active(step) ? padGate(router.gate(map, B), rows * B, nx, k) : null;
    const out = tf.tidy(() => {
      const gateBias = gate ? targetContextBias(plan, layout, gate) : staticBias;
      const xr = rows === 1 ? x : (tf.concat([x, x, x], 0) as tf.Tensor4D);
      const tt = tf.fill([rows * B], t) as tf.Tensor1D;
      const r = model.forwardTarget(xr, tt, stepCache, {
        bias: gateBias,
        readout: readMass && router ? { layers: router.layers, bias: staticBias } : undefined,
      });
      let v = r.velocity;
      if (rows === 3) {
        const [vf, vp, vu] = tf.split(v, 3, 0) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        v = tf.add(tf.add(vu, tf.mul(tf.sub(vp, vu), o.guidance.prompt)), tf.mul(tf.sub(vf, vp), o.guidance.reference));
      }
      const mass = r.mass ? tf.slice(r.mass, [0, 0, 0], [B, nx, k]) : null;
      return { v, mass } as unknown as tf.TensorContainer;
    }) as unknown as { v: tf.Tensor4D; mass: tf.Tensor3D | null };
    if (!cache) tf.dispose(stepCache as unknown as tf.TensorContainer);
    return out;
  };

  let x = tf.tidy(() =>
    tf.concat(Array.from({ length: B }, (_, i) => tf.randomNormal([1, S, S, 3], 0, 1, 'float32', deriveSeed(o.seed, o.firstImageIndex + i))), 0),
  ) as tf.Tensor4D;
  const dt = 1 / o.steps;
  for (let i = 0; i < o.steps; i++) {
    const t = 1 - i * dt;
    const readMass = !!router && !router.params.fixedMap && router.active(i);
    const first = velocity(x, t, i, readMass);
    let next: tf.Tensor4D;
    if (o.method === 'heun' && i < o.steps - 1) {
      const xe = tf.tidy(() => tf.sub(x, tf.mul(first.v, dt)) as tf.Tensor4D);
      const second = velocity(xe, t - dt, i, false);
      next = tf.tidy(() => tf.sub(x, tf.mul(tf.add(first.v, second.v), dt / 2)) as tf.Tensor4D);
      tf.dispose([xe, second.v]);
    } else next = tf.tidy(() => tf.sub(x, tf.mul(first.v, dt)) as tf.Tensor4D);
    if (first.mass && router) map = router.update(first.mass.dataSync() as Float32Array, B);
    tf.dispose([x, first.v, first.mass ?? []]);
    x = next;
  }
  const images = tf.tidy(() => tf.clipByValue(x, -1, 1) as tf.Tensor4D);
  tf.dispose([x, staticBias ?? [], (cache ?? []) as unknown as tf.TensorContainer]);
  if (ctxInputs !== inputs) tf.dispose(ctxInputs as unknown as tf.TensorContainer);
  return { images, routingMap: router ? map : null };
}

/** The gate covers the P+R rows; guidance rows without references are blocked anyway (0 gate). */
function padGate(gate: Float32Array, rows: number, nx: number, k: number): Float32Array {
  if (gate.length === rows * nx * k) return gate;
  const out = new Float32Array(rows * nx * k);
  out.set(gate);
  return out;
}
