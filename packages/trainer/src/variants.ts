import type { MusarModel } from '@musar/model';

/**
 * Attaches the LoRA variant a stage trains: MUSAR's dual branch (noise branch on X, subject branch
 * on conditions) or the ablations' single adapter shared by X and condition tokens.
 */
export function attachVariant(model: MusarModel, variant: 'dual' | 'single', seed: number): void {
  if (model.lora && model.lora.shared === (variant === 'single')) return;
  model.attachLora(seed, { shared: variant === 'single' });
}
