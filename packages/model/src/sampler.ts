import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { gridSide } from './config';
import { parseOrThrow } from './errors';
import { deriveSeed } from './random';
import { DEFAULT_SAMPLING, ZGuidanceScale } from './sampling';
import type { MusarModel, TContextCache } from './model/dit';
import { validateInputs, type TModelInputs } from './model/inputs';
import { dynamicRouter, type TDynamicRouter } from './routing/dynamic';
import type { TRoutingParamsInput } from './routing/params';
import { staticRoutingPlan, targetContextBias } from './routing/plan';

// ---------------------------------------------------------------------------------------------
// Sampling: integrate dx/dt = v from t = 1 (noise) to 0 with Euler or Heun, classifier-free
// guidance on prompt and references, seeded noise, condition keys/values computed once.
// ---------------------------------------------------------------------------------------------

export const ZSampleOptions = z.object({
  /** Number of integration steps. */
  steps: z.number().int().min(1).max(1000).default(DEFAULT_SAMPLING.steps),
  /** Euler (1 evaluation per step) or Heun (2, last step Euler). */
  method: z.enum(['euler', 'heun']).default('euler'),
  /**
   * Guidance scales: v = v∅ + p·(v_P − v∅) + r·(v_PR − v_P). p = r = 1 turns guidance off; p = r
   * (the default) needs one reference-free pass, p ≠ r a second one (prompt only). Bounds and
   * default from ./sampling.ts, which also defines a model card's `sampling` defaults.
   */
  guidance: z
    .object({
      prompt: ZGuidanceScale.default(DEFAULT_SAMPLING.prompt),
      reference: ZGuidanceScale.default(DEFAULT_SAMPLING.prompt),
    })
    .prefault({}),
  /** Seed of the initial noise; image i of the batch draws its noise from (seed, firstImageIndex + i). */
  seed: z.number().int().min(0).default(0),
  /** Index of the batch's first image, so a batch split across workers draws the same noise. */
  firstImageIndex: z.number().int().min(0).default(0),
  /** Reuse condition keys/values across steps (false recomputes them: for tests and benchmarks). */
  cache: z.boolean().default(true),
  /** Dynamic attention routing (validated by dynamicRouter: InvalidRoutingError); omitted = static routing without regions. */
  routing: z
    .custom<TRoutingParamsInput>(
      (v) => typeof v === 'object' && v !== null,
      'routing must be an object',
    )
    .optional(),
  /**
   * Called after every sampling step (synchronously, on the sampling thread): progress for
   * callers that show it. Costs nothing when omitted. On synchronous backends (cpu, wasm,
   * tensorflow) the step has been computed when it is called; on webgl/webgpu it has been queued.
   */
  onStep: z
    .custom<(progress: TSampleProgress) => void>(
      (v) => typeof v === 'function',
      'onStep must be a function',
    )
    .optional(),
});
export type TSampleOptions = z.input<typeof ZSampleOptions>;

/** What `onStep` receives: steps done of this call, and the network evaluations done and in all
 * (per image: the conditional pass plus one per guidance pass, twice per step with Heun except
 * the last step), so a caller can say what a step costs. */
export type TSampleProgress = {
  /** Steps done, 1..steps. */
  step: number;
  steps: number;
  /** Network evaluations per image done so far, and in the whole call. */
  evaluations: number;
  totalEvaluations: number;
};

export type TSampleResult = {
  /** float32 [B, H, W, 3] in [-1, 1]. */
  images: tf.Tensor4D;
  /** [B·g·g] final routing map (subject index or −1), null without dynamic routing. */
  routingMap: Int32Array | null;
};

type TPrediction = { v: tf.Tensor4D; mass: tf.Tensor3D | null };

export function generate(
  model: MusarModel,
  inputs: TModelInputs,
  options: TSampleOptions = {},
): TSampleResult {
  // Adapters are folded into per-branch weights for the run: one matmul per linear instead of three.
  const merge = !!model.lora && !model.lora.isMerged;
  if (merge) model.lora!.merge(model.loraBaseWeights());
  try {
    return sample(model, inputs, options);
  } finally {
    if (merge) model.lora!.unmerge();
  }
}

function sample(model: MusarModel, inputs: TModelInputs, options: TSampleOptions): TSampleResult {
  const o = parseOrThrow(ZSampleOptions, options, 'invalid sample options');
  const { batch: B, subjects: k } = validateInputs(model.cfg, inputs);
  const { imageSize: S } = model.cfg;
  const { prompt: gp, reference: gr } = o.guidance;
  const guided = !(gp === 1 && gr === 1);
  // v = v∅ + p·(v_P − v∅) + r·(v_PR − v_P); with p = r (or no subjects) v_P cancels out.
  const needPromptOnly = guided && k > 0 && gp !== gr;
  const router: TDynamicRouter | null =
    o.routing && k > 0
      ? dynamicRouter(o.routing, { subjects: k, grid: gridSide(model.cfg), depth: model.cfg.depth })
      : null;
  const layout = model.layout();
  const plan = staticRoutingPlan({ subjects: k, batch: B });

  // Rows with references, and reference-free guidance rows [∅ | P] that need no condition keys.
  const freeInputs: TModelInputs | null = guided
    ? {
        prompt: tf.tidy(() =>
          tf.concat([tf.zerosLike(inputs.prompt), ...(needPromptOnly ? [inputs.prompt] : [])], 0),
        ),
      }
    : null;
  const encode = (i: TModelInputs) =>
    tf.tidy(
      () => model.encodeContext(i) as unknown as tf.TensorContainer,
    ) as unknown as TContextCache;
  const cached = o.cache
    ? { cond: encode(inputs), free: freeInputs ? encode(freeInputs) : null }
    : null;
  let map: Int32Array | null = router?.params.fixedMap
    ? router.update(new Float32Array(0), B)
    : null;

  /** Guided velocity at (x, t) for step `step`; reads routing mass when the router wants it. */
  const velocity = (x: tf.Tensor4D, t: number, step: number, readMass: boolean): TPrediction => {
    const cond = cached?.cond ?? encode(inputs);
    const free = cached ? cached.free : freeInputs ? encode(freeInputs) : null;
    const gate = router && map && router.active(step) ? router.gate(map, B) : null;
    const out = tf.tidy(() => {
      const r = model.forwardTarget(x, tf.fill([B], t) as tf.Tensor1D, cond, {
        bias: gate ? targetContextBias(plan, layout, gate) : null,
        readout: readMass && router ? { layers: router.layers, bias: null } : undefined,
      });
      let v = r.velocity;
      if (free) {
        const rows = needPromptOnly ? 2 : 1;
        const xf = rows === 1 ? x : (tf.concat([x, x], 0) as tf.Tensor4D);
        const vfree = model.forwardTarget(xf, tf.fill([rows * B], t) as tf.Tensor1D, free).velocity;
        if (needPromptOnly) {
          const [vu, vp] = tf.split(vfree, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
          v = tf.add(tf.add(vu, tf.mul(tf.sub(vp, vu), gp)), tf.mul(tf.sub(v, vp), gr));
        } else v = tf.add(vfree, tf.mul(tf.sub(v, vfree), gp));
      }
      return { v, mass: r.mass } as unknown as tf.TensorContainer;
    }) as unknown as TPrediction;
    if (!cached) tf.dispose([cond, free ?? []] as unknown as tf.TensorContainer);
    return out;
  };

  let x = tf.tidy(() =>
    tf.concat(
      Array.from({ length: B }, (_, i) =>
        tf.randomNormal([1, S, S, 3], 0, 1, 'float32', deriveSeed(o.seed, o.firstImageIndex + i)),
      ),
      0,
    ),
  ) as tf.Tensor4D;
  const dt = 1 / o.steps;
  // Network evaluations per image per velocity(): the conditional pass, plus the reference-free
  // guidance rows (∅, and P when p ≠ r) run as one more batch.
  const perVelocity = 1 + (freeInputs ? (needPromptOnly ? 2 : 1) : 0);
  const velocitiesAt = (i: number) => (o.method === 'heun' && i < o.steps - 1 ? 2 : 1);
  const totalEvaluations = perVelocity * (o.method === 'heun' ? 2 * o.steps - 1 : o.steps);
  let evaluations = 0;
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
    if (o.onStep) {
      evaluations += perVelocity * velocitiesAt(i);
      o.onStep({ step: i + 1, steps: o.steps, evaluations, totalEvaluations });
    }
  }
  const images = tf.tidy(() => tf.clipByValue(x, -1, 1) as tf.Tensor4D);
  tf.dispose([
    x,
    freeInputs?.prompt ?? [],
    (cached ? [cached.cond, cached.free ?? []] : []) as unknown as tf.TensorContainer,
  ]);
  return { images, routingMap: router ? map : null };
}
