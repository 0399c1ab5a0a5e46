import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { loadAdapter, loadCheckpoint, saveCheckpoint } from '../checkpoint';
import type { MusarModel } from '../model/dit';
import { generate } from '../sampler';
import { Trainer } from '../train';
import {
  fromWire,
  inputsFromWire,
  toWire,
  transferList,
  type TRequest,
  type TResponse,
} from './protocol';

// One model replica per worker thread, on its own TF.js backend (one wasm instance per thread).

let model: MusarModel | null = null;
let trainer: Trainer | null = null;
const port = parentPort!;

function reply(msg: TResponse, transfer: ArrayBuffer[] = []) {
  port.postMessage(msg, transfer);
}

async function handle(msg: TRequest): Promise<void> {
  switch (msg.type) {
    case 'init': {
      const info = await initBackend(msg.backend);
      model?.dispose();
      trainer?.dispose();
      model = loadCheckpoint({ weights: msg.weights, config: msg.config });
      if (msg.adapter) loadAdapter(model, msg.adapter);
      trainer = msg.trainer ? new Trainer(model, msg.trainer) : null;
      return reply({ type: 'ready', backend: info.name });
    }
    case 'generate': {
      const inputs = inputsFromWire(msg.inputs);
      const r = generate(model!, inputs, msg.options);
      const images = toWire(r.images);
      tf.dispose([r.images, inputs.prompt, inputs.condText ?? [], inputs.references ?? []]);
      return reply(
        { type: 'generated', images, routingMap: r.routingMap },
        transferList(images.data, r.routingMap),
      );
    }
    case 'gradients': {
      const b = msg.batch;
      const batch = {
        ...inputsFromWire(b),
        images: fromWire<tf.Tensor4D>(b.images),
        regions: b.regions,
        keepSubject: b.keepSubject,
      };
      const { loss, grads } = trainer!.computeGradients(batch, { seed: msg.seed });
      const arrays = grads.map((g) => g.dataSync() as Float32Array);
      const value = loss.dataSync()[0]!;
      tf.dispose([
        loss,
        ...grads,
        batch.images,
        batch.prompt,
        batch.condText ?? [],
        batch.references ?? [],
      ]);
      return reply({ type: 'gradients', loss: value, grads: arrays }, transferList(...arrays));
    }
    case 'apply': {
      const grads = msg.grads.map((g, i) => tf.tensor(g, trainer!.variables[i]!.shape));
      const gradNorm = trainer!.applyGradients(grads);
      return reply({ type: 'applied', gradNorm, step: trainer!.step });
    }
    case 'export': {
      const { weights } = saveCheckpoint(model!, {
        name: 'worker-export',
        kind: msg.what,
        steps: trainer?.step ?? 0,
      });
      return reply({ type: 'exported', weights }, transferList(weights));
    }
  }
}

port.on('message', (msg: TRequest) => {
  handle(msg).catch((e: Error) => reply({ type: 'error', name: e.name, message: e.message }));
});
