import type { TCommandGroup } from '../command';
import { world } from './world';
import { train } from './train';
import { generate } from './generate';
import { evaluate } from './eval';
import { verifyGroup } from './verify';

/**
 * The command registry: `musar <group> <command> [--options]`. Add a group here — e.g.
 * `generate`, `train`, `eval`, `bench` — as a TCommandGroup in its own file under commands/.
 */
export const registry: Record<string, TCommandGroup> = {
  world,
  train,
  generate,
  eval: evaluate,
  verify: verifyGroup,
};
