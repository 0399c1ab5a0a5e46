// Compute thread (one per pool slot; one TF.js backend per thread). Loads a model once per source
// key, samples the images, scores them and encodes PNGs, so nothing heavy runs on the caller's
// event loop. Cancelling a task terminates its thread (Piscina abort), which stops it at once.
import './quiet-tf';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { threadId } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import {
  buildInputs,
  generate,
  getPreset,
  initBackend,
  loadAdapter,
  loadCheckpoint,
  MusarModel,
  subjectConditionText,
  type TBackendInfo,
} from '@musar/model';
import {
  decodeRgbPng,
  encodeRgbPng,
  scoreImage,
  tokenize,
  ZSubjectSpec,
  type RgbImage,
} from '@musar/toyworld';
import { sampleOptions } from './sample-options';
import type {
  TGenerateResult,
  TGenerateTask,
  TModelSource,
  TProbeResult,
  TProbeTask,
  TProgress,
} from './types';

let backend: TBackendInfo | null = null;
let loaded: { key: string; model: MusarModel } | null = null;

/** Linux: lowers this thread's CPU priority (MUSAR_COMPUTE_NICE, 0–19), so that on a busy machine
 * the web server's event loop is scheduled before the compute (embedded mode sets 10). */
function lowerPriority(): string | null {
  const nice = Number(process.env.MUSAR_COMPUTE_NICE ?? 0);
  if (!Number.isInteger(nice) || nice <= 0 || process.platform !== 'linux') return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    setPriority(tid, Math.min(19, nice));
    return `nice ${Math.min(19, nice)} (tid ${tid})`;
  } catch (error) {
    return `could not lower priority: ${(error as Error).message}`;
  }
}

async function ensureBackend(): Promise<TBackendInfo> {
  if (!backend) {
    const niced = lowerPriority();
    backend = await initBackend(process.env.MUSAR_BACKEND);
    if (niced) backend = { ...backend, note: `${backend.note}; ${niced}` };
  }
  return backend;
}

function modelFor(source: TModelSource): MusarModel {
  if (loaded?.key === source.key) return loaded.model;
  loaded?.model.dispose();
  let model: MusarModel;
  if (source.kind === 'fresh')
    model = new MusarModel(getPreset(source.preset), { seed: source.seed });
  else {
    model = loadCheckpoint({ weights: source.base, config: source.config });
    if (source.adapter) loadAdapter(model, source.adapter);
  }
  loaded = { key: source.key, model };
  return model;
}

function runGenerate(task: TGenerateTask, info: TBackendInfo): TGenerateResult {
  const model = modelFor(task.model);
  const S = model.cfg.imageSize;
  const specs = task.subjects.map((s) => ZSubjectSpec.safeParse(s.spec));
  const scorable = specs.every((r) => r.success);
  const inputs = buildInputs(
    model.cfg,
    [
      {
        prompt: task.prompt,
        subjects: task.subjects.map((s, i) => ({
          condition: subjectConditionText(s.classWord),
          reference: decodeRgbPng(s.referencePng, `reference of subject ${i}`),
        })),
      },
    ],
    tokenize,
  );
  const images: TGenerateResult['images'] = [];
  try {
    for (let index = 0; index < task.count; index++) {
      const started = performance.now();
      const seed = (task.seed + index) % 2 ** 31;
      const { images: out, routingMap } = generate(
        model,
        inputs,
        sampleOptions(
          task,
          seed,
          task.progress
            ? (s) =>
                task.progress!.postMessage({
                  step: index * task.steps + s.step,
                  total: task.count * task.steps,
                  evaluationsPerImage: s.totalEvaluations,
                } satisfies TProgress)
            : undefined,
        ),
      );
      const data = out.dataSync() as Float32Array;
      out.dispose();
      const image: RgbImage = {
        width: S,
        height: S,
        data: Float32Array.from(data, (v) => (v + 1) / 2),
      };
      const scores = scorable
        ? (scoreImage(
            image,
            specs.map((r) => r.data!),
            task.prompt,
          ) as unknown as Record<string, unknown>)
        : null;
      images.push({
        index,
        seed,
        png: encodeRgbPng(image),
        width: S,
        height: S,
        routingMap: routingMap ? Array.from(routingMap) : null,
        scores,
        seconds: (performance.now() - started) / 1000,
      });
    }
  } finally {
    tf.dispose(Object.values(inputs));
  }
  return { backend: info.name, backendNote: info.note, images };
}

export default async function compute(
  task: TGenerateTask | TProbeTask,
): Promise<TGenerateResult | TProbeResult> {
  const info = await ensureBackend();
  if (task.kind === 'probe') return { backend: info.name, note: info.note, threadId };
  try {
    return runGenerate(task, info);
  } finally {
    task.progress?.close();
  }
}
