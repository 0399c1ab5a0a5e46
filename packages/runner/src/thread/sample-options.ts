// The sampler options of one image of a generate task: plain data in, plain data out, so the
// compute thread's call to `generate` is tested without a thread or a model.
import type { TSampleOptions, TSampleProgress } from '@musar/model';
import type { TGenerateTask } from './types';

export function sampleOptions(
  task: Pick<TGenerateTask, 'steps' | 'routing' | 'guidance'>,
  seed: number,
  onStep?: (progress: TSampleProgress) => void,
): TSampleOptions {
  return {
    steps: task.steps,
    seed,
    routing: task.routing,
    // omitted → the sampler's default scales
    ...(task.guidance ? { guidance: { ...task.guidance } } : {}),
    ...(onStep ? { onStep } : {}),
  };
}
