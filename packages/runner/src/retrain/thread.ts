// The retrain/evaluate compute thread (one per job, started by run-thread.ts): feedback training
// with @musar/trainer's runStage and evaluation with its suite evaluator, off the event loop of
// the process that runs the job.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import {
  buildInputs,
  currentBackend,
  generate,
  initBackend,
  loadAdapter,
  loadCheckpoint,
  subjectConditionText,
  type MusarModel,
  type TGuidance,
} from '@musar/model';
import {
  aggregate,
  defaultTrainThreads,
  evaluateSuite,
  runStage,
  stageConfig,
  toRgb,
  trainWorkerSpec,
} from '@musar/trainer';
import {
  decodeRgbPng,
  scoreImage,
  tokenize,
  ZSubjectSpec,
  SUITE_NAMES,
  type TScore,
} from '@musar/toyworld';
import type {
  TEvalResult,
  TEvalTask,
  THeldOutItem,
  TSetMetrics,
  TThreadMessage,
  TTrainResult,
  TTrainTask,
  TWeights,
} from './types';

const post = (m: TThreadMessage) => parentPort!.postMessage(m);

async function train(task: TTrainTask): Promise<TTrainResult> {
  const dir = await mkdtemp(join(tmpdir(), 'musar-retrain-'));
  const started = performance.now();
  try {
    const baseDir = join(dir, 'base');
    await import('node:fs/promises').then((fs) => fs.mkdir(baseDir));
    await writeFile(join(baseDir, 'weights.safetensors'), task.baseWeights);
    await writeFile(join(baseDir, 'config.json'), JSON.stringify(task.baseConfig));
    const cfg = task.baseConfig as { promptLength?: number; imageSize?: number };
    const stage = stageConfig('feedback', {
      steps: task.steps,
      batchSize: task.batchSize,
      seed: task.seed,
      checkpointEvery: Math.max(task.steps, 1),
      ...(cfg.promptLength ? { promptLength: cfg.promptLength } : {}),
      ...(cfg.imageSize ? { size: cfg.imageSize } : {}),
    });
    let lastLoss: number | null = null;
    const { model } = await runStage({
      stage,
      runDir: join(dir, 'run'),
      baseDir,
      ...(task.adapter ? { initAdapter: task.adapter } : {}),
      feedback: task.feedback,
      // Data parallel on every core, like `musar train` (wasm; a GPU backend trains in-thread).
      ...(currentBackend()?.name === 'wasm' && defaultTrainThreads() > 1
        ? { parallel: { threads: defaultTrainThreads(), worker: trainWorkerSpec() } }
        : {}),
      onProgress: (p) => {
        lastLoss = p.loss;
        post({ type: 'progress', step: p.step, steps: p.steps, loss: p.loss });
      },
    });
    model.dispose();
    const adapter = new Uint8Array(await readFile(join(dir, 'run', 'weights.safetensors')));
    return {
      adapter,
      steps: task.steps,
      seconds: (performance.now() - started) / 1000,
      finalLoss: lastLoss,
      backend: currentBackend()?.name ?? 'unknown',
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function load(w: TWeights): MusarModel {
  const model = loadCheckpoint({ weights: w.baseWeights, config: w.baseConfig as never });
  if (w.adapter) loadAdapter(model, w.adapter);
  return model;
}

const summarise = (scores: TScore[]): TSetMetrics => {
  const m = aggregate(scores);
  return { n: m.n, fidelity: m.fidelity, leakage: m.leakage };
};

/** Regenerates held-out approved items (their prompt, subjects, seed, routing) and scores them. */
async function heldOutScores(
  model: MusarModel,
  items: THeldOutItem[],
  steps: number,
  guidance: TGuidance | undefined,
): Promise<TScore[]> {
  const S = model.cfg.imageSize;
  const scores: TScore[] = [];
  for (const item of items) {
    const specs = item.subjects.map((s) => ZSubjectSpec.safeParse(s.spec));
    if (!specs.every((s) => s.success)) continue;
    // built as the generate job builds them (the model's buildInputs)
    const inputs = buildInputs(
      model.cfg,
      [
        {
          prompt: item.prompt,
          subjects: item.subjects.map((s) => ({
            condition: subjectConditionText(s.classWord),
            reference: decodeRgbPng(s.referencePng),
          })),
        },
      ],
      tokenize,
    );
    try {
      const res = generate(model, inputs, {
        steps,
        seed: item.seed,
        routing: item.routing,
        ...(guidance ? { guidance } : {}),
      });
      const data = (await res.images.data()) as Float32Array;
      res.images.dispose();
      scores.push(
        scoreImage(
          toRgb(data, S),
          specs.map((s) => s.data!),
          item.prompt,
        ),
      );
    } finally {
      tf.dispose(Object.values(inputs));
    }
  }
  return scores;
}

async function evaluate(task: TEvalTask): Promise<TEvalResult> {
  const started = performance.now();
  const byModel: TEvalResult['byModel'] = {};
  for (const w of task.models) {
    const model = load(w);
    // Each model is scored as it serves: with its card's guidance (else each sampler's default).
    const guidance = w.guidance ?? undefined;
    try {
      const sets: Record<string, TSetMetrics> = {};
      for (const k of task.suites) {
        const suite = SUITE_NAMES[k - 2]!;
        const { metrics } = await evaluateSuite(model, {
          suite,
          count: task.suiteCount,
          routing: {},
          steps: task.steps,
          guidance,
        });
        sets[suite] = { n: metrics.n, fidelity: metrics.fidelity, leakage: metrics.leakage };
      }
      if (task.heldOut.length)
        sets['recent-approved'] = summarise(
          await heldOutScores(model, task.heldOut, task.steps, guidance),
        );
      byModel[w.label] = sets;
    } finally {
      model.dispose();
    }
  }
  return {
    byModel,
    guidance: Object.fromEntries(task.models.map((w) => [w.label, w.guidance ?? null])),
    seconds: (performance.now() - started) / 1000,
    backend: currentBackend()?.name ?? 'unknown',
  };
}

const task = workerData as TTrainTask | TEvalTask;
initBackend(process.env.MUSAR_BACKEND)
  .then((): Promise<unknown> => (task.kind === 'train' ? train(task) : evaluate(task)))
  .then((result) => post({ type: 'done', result }))
  .catch((error: unknown) =>
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
