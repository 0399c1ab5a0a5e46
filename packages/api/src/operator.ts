// The operator domain for the worker's retrain/evaluate jobs:
// `import { feedbackSamples, … } from '@musar/api/operator'`.
export { feedbackSamples, type TFeedbackSample } from './services/retrain-data';
export {
  newFeedbackData,
  maybeStartRetrain,
  startRetrain,
  retrainThreshold,
} from './services/retrain';
export {
  gateDecision,
  gateTolerance,
  type TGateResult,
  type TSetMetrics,
} from './services/retrain-gate';
export { recordLineage } from './services/training-set';
