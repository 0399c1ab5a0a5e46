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
  sameLoraConfig,
} from './config';
export type { TMusarConfig, TLoraConfig, TPresetName } from './config';
export * from './errors';
export { initBackend, currentBackend } from './backend';
export type { TBackendInfo, TBackendName } from './backend';
export { MusarModel } from './model/dit';
export type { TContextCache, TTargetOptions } from './model/dit';
export { buildInputs } from './model/inputs';
export type { TBuiltInputs, TModelInputs } from './model/inputs';
export { inputArrays, modelPixels, subjectConditionText } from './model/input-data';
export type {
  TInputArrays,
  TInputSample,
  TInputSubject,
  TRgbPixels,
  TTokenize,
} from './model/input-data';
export { countParams } from './model/params';
export { DualBranchLora } from './lora';
export type { TBranch, TLoraOptions } from './lora';
export { staticRoutingPlan, fullAttentionPlan, isBlockStructured } from './routing/plan';
export type { TRoutingPlan } from './routing/plan';
export { dynamicRouter, assignRegions } from './routing/dynamic';
export {
  parseRoutingParams,
  assertRoutingFits,
  routingShapeOf,
  ZRoutingParams,
} from './routing/params';
export type {
  TRoutingParams,
  TRoutingParamsInput,
  TRoutingContext,
  TRoutingShape,
} from './routing/params';
export { deriveSeed } from './random';
export { rectifiedFlowLoss, logitNormalTimesteps } from './diffusion';
export type { TTrainBatch, TAttentionMode } from './diffusion';
export { generate, ZSampleOptions } from './sampler';
export type { TSampleOptions, TSampleProgress, TSampleResult } from './sampler';
export {
  CARD_STEPS_MAX,
  DEFAULT_SAMPLING,
  GUIDANCE_MAX,
  GUIDANCE_MIN,
  parseCardSampling,
  resolveSampling,
  ZGuidance,
  ZGuidanceScale,
  ZModelSampling,
} from './sampling';
export type { TGuidance, TModelSampling, TResolvedSampling, TSamplingSource } from './sampling';
export { Trainer, ZTrainerOptions } from './train';
export { averageGradients } from './model/native-matmul';
export type { TTrainerOptions, TStepResult } from './train';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadAdapter,
  initAdapter,
  adapterLora,
  encodeSafetensors,
  decodeSafetensors,
  ZModelCard,
} from './checkpoint';
export type { TCheckpoint, TModelCard, TNamedArray } from './checkpoint';
