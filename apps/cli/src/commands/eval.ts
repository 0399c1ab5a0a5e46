import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { generate as sample, initBackend } from '@musar/model';
import { encodeRgbPng, readPngFile, conditionText } from '@musar/toyworld';
import { readSuiteDir, scoreFolder } from '@musar/toyworld/io';
import { writeReport } from '@musar/toyworld/report';
import { aggregate, generationInputs, loadModelDir, toRgb } from '@musar/trainer';
import { intOption, requireOption, UsageError, type TCommandGroup } from '../command';
import { readRoutingParams, writeAtomic } from './generate';

export const evaluate: TCommandGroup = {
  summary: 'generate a held-out suite with a model and score it with the toy-world scorer',
  commands: {
    default: {
      summary: 'musar eval --model DIR --suite DIR --out DIR',
      usage:
        'musar eval --model DIR --suite DIR (from `musar world suite`) --out DIR [--count N] [--steps N] [--seed N] [--routing params.json | --no-routing] [--batch N] [--backend wasm]',
      options: {
        model: { type: 'string' },
        suite: { type: 'string' },
        out: { type: 'string' },
        count: { type: 'string' },
        steps: { type: 'string' },
        seed: { type: 'string' },
        routing: { type: 'string' },
        'no-routing': { type: 'boolean' },
        batch: { type: 'string' },
        backend: { type: 'string' },
      },
      async run(v, io) {
        const modelDir = requireOption(v, 'model', this.usage);
        const suiteDir = requireOption(v, 'suite', this.usage);
        const outDir = requireOption(v, 'out', this.usage);
        const suite = await readSuiteDir(suiteDir).catch((e: Error) => {
          throw new UsageError(e.message);
        });
        const routing = await readRoutingParams(v);
        await initBackend(typeof v.backend === 'string' ? v.backend : process.env.MUSAR_BACKEND);
        const { model, card } = await loadModelDir(modelDir);
        const S = model.cfg.imageSize;
        if (suite.size !== S || suite.refSize !== S) throw new UsageError(`suite is ${suite.size}px with ${suite.refSize}px references; the model works at ${S}px`);
        const items = suite.items.slice(0, intOption(v, 'count', suite.items.length, 1));
        const bs = intOption(v, 'batch', 4, 1);
        const seed = intOption(v, 'seed', 0);
        const t0 = Date.now();
        try {
          for (let i = 0; i < items.length; i += bs) {
            const chunk = items.slice(i, i + bs);
            const refs = await Promise.all(chunk.map((it) => Promise.all(it.references.map((p) => readPngFile(join(suiteDir, p), { width: S, height: S })))));
            const conditions = chunk.map((it) => it.subjects.map(conditionText));
            const inputs = generationInputs(model.cfg, chunk.map((it) => it.prompt), conditions, refs);
            const res = sample(model, inputs, { steps: intOption(v, 'steps', 20, 1), seed: seed + i, ...(routing ? { routing } : {}) });
            const data = (await res.images.data()) as Float32Array;
            tf.dispose([res.images, ...Object.values(inputs)]);
            const g2 = (S / model.cfg.patchSize) ** 2;
            for (const [b, it] of chunk.entries()) {
              await writeAtomic(join(outDir, 'images', `${it.id}.png`), encodeRgbPng(toRgb(data, S, b * S * S * 3)));
              if (res.routingMap)
                await writeAtomic(
                  join(outDir, 'images', `${it.id}.routing.json`),
                  JSON.stringify({ grid: Math.sqrt(g2), map: Array.from(res.routingMap.slice(b * g2, (b + 1) * g2)) }),
                );
            }
            io.err(`${Math.min(i + bs, items.length)}/${items.length} generated`);
          }
        } finally {
          model.dispose();
        }
        const scored = await scoreFolder(suiteDir, join(outDir, 'images'));
        scored.items = scored.items.filter((x) => items.some((it) => it.id === x.id));
        scored.suite = { ...scored.suite, items: scored.suite.items.filter((x) => items.some((it) => it.id === x.id)) };
        await writeReport(outDir, suiteDir, scored);
        const metrics = aggregate(scored.items.flatMap((x) => (x.score ? [x.score] : [])));
        const summary = { model: card.name, modelDir, suite: suite.name, routing: routing ?? 'off', seconds: (Date.now() - t0) / 1000, metrics };
        await writeAtomic(join(outDir, 'metrics.json'), JSON.stringify(summary, null, 2) + '\n');
        io.out(JSON.stringify(summary));
      },
    },
  },
};
