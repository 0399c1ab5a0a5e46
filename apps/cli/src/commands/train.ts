import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { SingleBar } from 'cli-progress';
import { GUIDANCE_MAX, GUIDANCE_MIN, initBackend } from '@musar/model';
import {
  batchWorkerSpec,
  defaultTrainThreads,
  curveLogEntry,
  evaluateCurvePoint,
  exportRun,
  runStage,
  trainWorkerSpec,
  stageConfig,
  type TStageInput,
  type TStageName,
} from '@musar/trainer';
import {
  intOption,
  numberOption,
  requireOption,
  UsageError,
  type TCommand,
  type TCommandGroup,
  type TValues,
} from '../command';

const OPTIONS = {
  run: { type: 'string' },
  base: { type: 'string' },
  config: { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  'max-seconds': { type: 'string' },
  threads: { type: 'string' },
  backend: { type: 'string' },
  log: { type: 'string' },
  export: { type: 'string' },
  state: { type: 'string' },
  'eval-count': { type: 'string' },
  'eval-steps': { type: 'string' },
  prefetch: { type: 'string' },
  'init-adapter': { type: 'string' },
  'eval-guidance': { type: 'string' },
  'eval-reference-guidance': { type: 'string' },
} as const;

const num = (v: TValues, name: string): number | undefined => {
  const raw = v[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number (got ${String(raw)})`);
  return n;
};

/** The learning-curve evaluation of a stage: its fixed suite, a few items, few sampling steps. */
function curveEvaluator(
  stage: TStageName,
  count: number,
  steps: number,
  guidance: number,
  referenceGuidance: number | undefined,
) {
  const suite = stage === 'base' ? 'base' : stage === 'single-ref' ? 'single' : 'two-subject';
  return async (model: Parameters<typeof evaluateCurvePoint>[0]) => {
    const p = await evaluateCurvePoint(model, { suite, count, steps, guidance, referenceGuidance });
    return curveLogEntry(p);
  };
}

const fmt = (s: number) =>
  s >= 3600
    ? `${(s / 3600).toFixed(1)}h`
    : s >= 60
      ? `${Math.round(s / 60)}m`
      : `${Math.round(s)}s`;

/** `musar train <stage>`: resumable training of one stage into a run folder, exported to a model folder. */
function stageCommand(stage: TStageName): TCommand {
  return {
    summary: `train the ${stage} ${stage === 'base' ? 'text-to-image model' : 'adapter'} (resumes --run)`,
    usage: `musar train ${stage} --run DIR${stage === 'base' ? '' : ' --base models/base'} [--config stage.json] [--steps N] [--batch N] [--lr X] [--seed N] [--max-seconds S] [--threads N] [--prefetch N] [--state FILE] [--init-adapter FILE] [--eval-count N] [--eval-steps N] [--eval-guidance P] [--eval-reference-guidance R] [--backend wasm] [--log FILE] [--export models/NAME]`,
    options: OPTIONS,
    async run(v, io) {
      const runDir = requireOption(v, 'run', this.usage);
      const fileCfg =
        typeof v.config === 'string'
          ? (JSON.parse(await readFile(v.config, 'utf8')) as Partial<TStageInput>)
          : {};
      const overrides: Partial<TStageInput> = { ...fileCfg };
      const steps = num(v, 'steps');
      if (steps) overrides.steps = Math.round(steps);
      const batch = num(v, 'batch');
      if (batch) overrides.batchSize = Math.round(batch);
      const lr = num(v, 'lr');
      if (lr) overrides.learningRate = lr;
      if (v.seed !== undefined) overrides.seed = intOption(v, 'seed', 1);
      let cfg;
      try {
        cfg = stageConfig(stage, overrides);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const base = typeof v.base === 'string' ? v.base : undefined;
      if (cfg.mode === 'adapter' && !base)
        throw new UsageError(
          `missing --base (the adapter trains on a frozen base)\nusage: ${this.usage}`,
        );
      // The curve's guidance; given as flags, it is also the exported model's card `sampling`.
      const evalGuidance = {
        prompt: numberOption(v, 'eval-guidance', 3, GUIDANCE_MIN, GUIDANCE_MAX),
        reference:
          v['eval-reference-guidance'] === undefined
            ? undefined
            : numberOption(v, 'eval-reference-guidance', 0, GUIDANCE_MIN, GUIDANCE_MAX),
      };
      const guidanceGiven =
        v['eval-guidance'] !== undefined || v['eval-reference-guidance'] !== undefined;
      if (typeof v['init-adapter'] === 'string' && cfg.mode !== 'adapter')
        throw new UsageError(`--init-adapter starts an adapter; the ${stage} stage trains a base`);
      const initAdapter =
        typeof v['init-adapter'] === 'string'
          ? new Uint8Array(await readFile(v['init-adapter']))
          : undefined;
      const backend = await initBackend(
        typeof v.backend === 'string' ? v.backend : process.env.MUSAR_BACKEND,
      );
      const logPath = typeof v.log === 'string' ? v.log : join(runDir, 'train.log');
      mkdirSync(dirname(logPath), { recursive: true });
      const log = (o: Record<string, unknown>) =>
        appendFileSync(logPath, JSON.stringify({ t: new Date().toISOString(), ...o }) + '\n');
      io.out(`backend: ${backend.name} (${backend.note}); log: ${logPath}`);
      const bar = new SingleBar({
        format: `${stage} |{bar}| step {value}/{total} | loss {loss} | {sps} samples/s | ETA {etaH}`,
        noTTYOutput: true,
        notTTYSchedule: 30_000,
        hideCursor: true,
      });
      bar.start(cfg.steps, 0, { loss: '-', sps: '-', etaH: '-' });
      // Compute threads (data parallel, default every core); a single compute thread gets batch
      // prefetch threads on the spare cores instead.
      const threads = Math.max(
        1,
        intOption(
          v,
          'threads',
          backend.name === 'wasm' || backend.name === 'cpu' ? defaultTrainThreads() : 1,
        ),
      );
      const prefetchThreads = intOption(
        v,
        'prefetch',
        threads > 1 ? 0 : Math.max(0, Math.min(2, cpus().length - 1)),
      );
      io.out(
        `compute threads: ${threads}${prefetchThreads ? `, prefetch threads: ${prefetchThreads}` : ''}`,
      );
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const res = await runStage({
        stage: cfg,
        runDir,
        baseDir: base,
        initAdapter,
        maxSeconds: num(v, 'max-seconds'),
        signal: ac.signal,
        log,
        prefetch:
          prefetchThreads > 0
            ? {
                threads: prefetchThreads,
                worker: batchWorkerSpec(),
              }
            : undefined,
        parallel:
          threads > 1
            ? {
                threads,
                worker: trainWorkerSpec(),
              }
            : undefined,
        stateFile: typeof v.state === 'string' ? v.state : undefined,
        evaluate: curveEvaluator(
          stage,
          intOption(v, 'eval-count', 48),
          intOption(v, 'eval-steps', 20),
          evalGuidance.prompt,
          evalGuidance.reference,
        ),
        onProgress: (p) =>
          bar.update(p.step, {
            loss: p.loss.toFixed(4),
            sps: p.samplesPerSecond.toFixed(1),
            etaH: fmt(p.etaSeconds),
          }),
      });
      bar.stop();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.out(
        `${stage}: step ${res.state.step}/${cfg.steps}, ${res.state.samples} samples, ${fmt(res.state.elapsedSeconds)}; checkpoint in ${runDir}`,
      );
      if (typeof v.export === 'string') {
        await exportRun(runDir, v.export, {
          name: stage,
          kind: cfg.mode === 'full' ? 'base' : 'adapter',
          ...(base ? { base: relative(v.export, base) || '.' } : {}),
          stage,
          data: JSON.stringify(cfg.data),
          steps: res.state.step,
          samples: res.state.samples,
          wallClockSeconds: Math.round(res.state.elapsedSeconds),
          hardware: `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
          backend: backend.name,
          command: `musar train ${stage} ${process.argv.slice(4).join(' ')}`.trim(),
          metrics: { finalLoss: res.state.losses.at(-1)?.loss ?? null },
          ...(guidanceGiven
            ? {
                sampling: {
                  guidance: {
                    prompt: evalGuidance.prompt,
                    reference: evalGuidance.reference ?? evalGuidance.prompt,
                  },
                },
              }
            : {}),
        });
        io.out(`exported to ${v.export}`);
      }
      res.trainer.dispose();
      res.model.dispose();
    },
  };
}

export const train: TCommandGroup = {
  summary: 'train the base model, the MUSAR adapter, the ablations, the oracle or a feedback round',
  commands: Object.fromEntries(
    (['base', 'musar', 'single-ref', 'naive-diptych', 'static-routing', 'oracle'] as const).map(
      (s) => [s, stageCommand(s)],
    ),
  ),
};
