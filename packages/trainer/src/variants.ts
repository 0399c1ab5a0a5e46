import { adapterLora, sameLoraConfig, type MusarModel, type TLoraConfig } from '@musar/model';

/**
 * Attaches the LoRA variant a stage trains: MUSAR's dual branch (noise branch on X, subject branch
 * on conditions) or the ablations' single adapter shared by X and condition tokens; `ranks` over
 * the model config's default ranks.
 */
export function attachVariant(
  model: MusarModel,
  variant: 'dual' | 'single',
  seed: number,
  ranks: Partial<TLoraConfig> = {},
): void {
  const config = { ...model.cfg.lora, ...ranks };
  const l = model.lora;
  if (l && l.shared === (variant === 'single') && sameLoraConfig(l.config, config)) return;
  model.attachLora(seed, { shared: variant === 'single', config });
}

/**
 * The LoRA ranks a stage trains with. A resumed run keeps its adapter's; a run started from an
 * adapter takes that adapter's (all of them for the same kind; the subject rank only when a
 * single-branch adapter starts a dual one: its noise branch is a truncated SVD); the stage's
 * `loraRanks` override either (a resumed run whose adapter differs then fails to load, clearly).
 */
export function resolveLoraRanks(
  model: MusarModel,
  variant: 'dual' | 'single',
  stageRanks: Partial<TLoraConfig> | undefined,
  from?: Uint8Array,
): TLoraConfig {
  let ranks = { ...model.cfg.lora };
  if (from) {
    const a = adapterLora(from, model.cfg);
    if (a.shared === (variant === 'single')) ranks = { ...a.lora };
    else if (a.shared)
      ranks = { ...ranks, subjectRank: a.lora.subjectRank, subjectAlpha: a.lora.subjectAlpha };
  }
  return { ...ranks, ...stageRanks };
}
