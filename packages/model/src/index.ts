// Public API of @musar/model. See README.md for how callers train and generate.
export {
  presets,
  getPreset,
  parseConfig,
  gridSide,
  tokensPerImage,
  conditionTokens,
  ZMusarConfig,
  ZLoraConfig,
} from './config';
export type { TMusarConfig, TLoraConfig, TPresetName } from './config';
export * from './errors';
export { initBackend, currentBackend } from './backend';
export type { TBackendInfo, TBackendName } from './backend';
export { MusarModel } from './model/dit';
export type { TContextCache, TTargetOptions } from './model/dit';
export type { TModelInputs } from './model/inputs';
export { countParams } from './model/params';
export { DualBranchLora } from './lora';
export type { TBranch, TLoraOptions } from './lora';
export { staticRoutingPlan, fullAttentionPlan, isBlockStructured } from './routing/plan';
export type { TRoutingPlan } from './routing/plan';
export {
  dynamicRouter,
  assignRegions,
  parseRoutingParams,
  ZRoutingParams,
} from './routing/dynamic';
export type { TRoutingParams, TRoutingParamsInput } from './routing/dynamic';
export { deriveSeed } from './random';
export { rectifiedFlowLoss, logitNormalTimesteps } from './diffusion';
export type { TTrainBatch, TAttentionMode } from './diffusion';
export { generate, ZSampleOptions } from './sampler';
export type { TSampleOptions, TSampleProgress, TSampleResult } from './sampler';
export { Trainer, ZTrainerOptions } from './train';
export type { TTrainerOptions, TStepResult } from './train';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadAdapter,
  encodeSafetensors,
  decodeSafetensors,
  ZModelCard,
} from './checkpoint';
export type { TCheckpoint, TModelCard, TNamedArray } from './checkpoint';
