// What the runner sends to a compute thread and gets back. Plain data: it crosses a thread
// boundary by structured clone (Uint8Arrays are copied, not shared).
import type { MessagePort } from 'node:worker_threads';
import type { TRoutingOverrides } from '@musar/core/generation/routing-params';

/** Where the weights come from: a stored version, or a freshly initialised preset (no checkpoint yet). */
export type TModelSource =
  | {
      kind: 'checkpoint';
      key: string;
      config: unknown;
      base: Uint8Array;
      adapter: Uint8Array | null;
    }
  | { kind: 'fresh'; key: string; preset: 'tiny'; seed: number };

export type TGenerateTask = {
  kind: 'generate';
  model: TModelSource;
  prompt: string;
  /** Per subject, in prompt order. `spec` is the toy-world spec when the subject has one (for scores). */
  subjects: { classWord: string; referencePng: Uint8Array; spec: unknown }[];
  count: number;
  seed: number;
  steps: number;
  /** Classifier-free guidance scales; omitted = the sampler's default (3, 3). The handler sets the
   * model card's `sampling.guidance` here (the generation request has no guidance of its own). */
  guidance?: { prompt: number; reference: number };
  routing: TRoutingOverrides;
  /** Receives a TProgress after every sampling step of every image. */
  progress?: MessagePort;
};

export type TGeneratedImage = {
  index: number;
  seed: number;
  png: Uint8Array;
  width: number;
  height: number;
  /** Patch-grid routing map (subject index or −1), null without dynamic routing. */
  routingMap: number[] | null;
  /** Analytic scores (toy-world scorer), or null when a subject has no toy-world spec. */
  scores: Record<string, unknown> | null;
  seconds: number;
};

export type TGenerateResult = { backend: string; backendNote: string; images: TGeneratedImage[] };

export type TProgress = {
  /** Sampling steps done over all images, of `total` = images × steps per image. */
  step: number;
  total: number;
  /** Network evaluations one image takes: per step the conditional pass plus the guidance passes
   * (the sampler's count), so a step's cost is stated, not guessed. */
  evaluationsPerImage: number;
};

/** A thread's first answer: which TF.js backend it runs (logged at start). */
export type TProbeTask = { kind: 'probe' };
export type TProbeResult = { backend: string; note: string; threadId: number };
