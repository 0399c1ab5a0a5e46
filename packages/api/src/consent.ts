// The consent domain for other processes (web routes, the worker, the trainer):
// `import { assertConsent, … } from '@musar/api/consent'`.
export {
  assertConsent,
  ConsentError,
  consentActive,
  CONSENT_SCOPES,
  type TActor,
  type TConsentScope,
} from './services/consent';
export {
  registerConsentJobHooks,
  type TConsentJobHooks,
  type TRetrainRequest,
} from './services/consent-hooks';
export { expireConsents, revokeConsent, revokeSubjectConsents } from './services/consent-revoke';
export {
  registerConsentExpiry,
  CONSENT_EXPIRY_QUEUE,
  type TBossLike,
} from './services/consent-expiry';
export { runRevocationCascade, type TCascadeResult } from './services/consent-cascade';
export { eraseSubject } from './services/erasure';
export { recordLineage, trainingSet } from './services/training-set';
export { subjectLineage } from './services/subject-read';
export { exportApprovedZip, exportableOutputs } from './services/export-outputs';
export { auditCsv, type TAuditCsvFilter } from './services/audit-csv';
export { getEvidenceFile } from './services/consent-grant';
