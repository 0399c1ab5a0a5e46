// Entry used by bundle.test.ts: a forward and a gradient inside an esbuild bundle.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend';
import { getPreset } from '../src/config';
import { rectifiedFlowLoss } from '../src/diffusion';
import { MusarModel } from '../src/model/dit';

const info = await initBackend('wasm');
const cfg = getPreset('tiny', { depth: 1 });
const model = new MusarModel(cfg, { seed: 1, adaLNZero: false });
const batch = {
  images: tf.zeros([1, 32, 32, 3]) as tf.Tensor4D,
  prompt: tf.ones([1, cfg.promptLength], 'int32') as tf.Tensor2D,
  condText: tf.ones([1, 1, cfg.condTextLength], 'int32') as tf.Tensor3D,
  references: tf.zeros([1, 1, 32, 32, 3]) as tf.Tensor5D,
};
const { value, grads } = tf.variableGrads(
  () => rectifiedFlowLoss(model, batch, { seed: 1 }),
  [...model.namedParams().values()],
);
console.log(
  JSON.stringify({
    backend: info.name,
    loss: value.dataSync()[0],
    grads: Object.keys(grads).length,
  }),
);
