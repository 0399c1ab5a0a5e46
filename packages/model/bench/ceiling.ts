// Hardware ceiling for the worker-thread speed-up: times tiny 2-subject generation (batch 4, 20 steps,
// guidance, dynamic routing) in this process. `bench/ceiling.sh` runs one copy, then two copies at once:
// the ratio is the best any two-thread split can reach on this machine (shared caches, memory, VM).
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend';
import { getPreset } from '../src/config';
import { MusarModel } from '../src/model/dit';
import { generate } from '../src/sampler';

await initBackend('wasm');
const cfg = getPreset('tiny');
const S = cfg.imageSize;
const B = 4;
const model = new MusarModel(cfg, { seed: 1, adaLNZero: false });
const inputs = {
  prompt: tf.randomUniform([B, cfg.promptLength], 1, cfg.vocabSize, 'int32', 1) as tf.Tensor2D,
  condText: tf.randomUniform(
    [B, 2, cfg.condTextLength],
    1,
    cfg.vocabSize,
    'int32',
    2,
  ) as tf.Tensor3D,
  references: tf.randomUniform([B, 2, S, S, 3], -1, 1, 'float32', 3) as tf.Tensor5D,
};
const opts = { steps: 20, seed: 1, routing: { startStep: 4 } };
tf.dispose(generate(model, inputs, opts).images); // warm-up
const reps = Number(process.argv[2] ?? 4);
const t0 = performance.now();
for (let i = 0; i < reps; i++) tf.dispose(generate(model, inputs, opts).images);
console.log(((performance.now() - t0) / 1000 / reps / B).toFixed(3));
