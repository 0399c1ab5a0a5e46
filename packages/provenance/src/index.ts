export {
  generateCredentials,
  instanceCredentials,
  parseCertificates,
  prepareInstanceCredentials,
  resolveSigningCredentials,
  trustAnchorOf,
  type TSigningCredentials,
  type TStartupCredentials,
} from './credentials';
export {
  CLAIM_GENERATOR,
  GENERATION_LABEL,
  REVIEW_LABEL,
  TRAINED_ALGORITHMIC_MEDIA,
  sign,
  signApproval,
  ZApprovalManifest,
  ZGenerationManifest,
  type TApprovalManifest,
  type TGenerationManifest,
} from './sign';
export { verify, type TManifestReport, type TStatus, type TVerifyResult } from './verify';
export { isPng } from './c2pa';
