// What the retrain/evaluate handlers send to their compute thread and get back (plain data).
import type { TGuidance } from '@musar/model';
import type { TTrainSample } from '@musar/trainer';
import type { TRoutingOverrides } from '@musar/core/generation/routing-params';

export type TWeights = {
  baseWeights: Uint8Array;
  baseConfig: unknown;
  adapter: Uint8Array | null;
  /** The version's own guidance scales (its model card's `sampling`): evaluation samples with them. */
  guidance?: TGuidance | null;
};

export type TTrainTask = TWeights & {
  kind: 'train';
  feedback: TTrainSample[];
  steps: number;
  batchSize: number;
  seed: number;
};

/** A held-out approved item regenerated with its own prompt, subjects, seed and routing. */
export type THeldOutItem = {
  prompt: string;
  seed: number;
  routing: TRoutingOverrides;
  subjects: { classWord: string; referencePng: Uint8Array; spec: unknown }[];
};

export type TEvalTask = {
  kind: 'evaluate';
  models: (TWeights & { label: string })[];
  suites: number[];
  suiteCount: number;
  heldOut: THeldOutItem[];
  steps: number;
};

export type TSetMetrics = { n: number; fidelity: number; leakage: number };
export type TTrainResult = {
  adapter: Uint8Array;
  steps: number;
  seconds: number;
  finalLoss: number | null;
  backend: string;
};
export type TEvalResult = {
  byModel: Record<string, Record<string, TSetMetrics>>;
  /** The guidance each model was sampled with (null: the samplers' defaults). */
  guidance: Record<string, TGuidance | null>;
  seconds: number;
  backend: string;
};
export type TThreadMessage =
  | { type: 'progress'; step: number; steps: number; loss: number }
  | { type: 'done'; result: unknown }
  | { type: 'error'; message: string };
