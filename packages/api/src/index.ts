export { appRouter, createCaller, type AppRouter } from './root';
export {
  createContext,
  createContextInner,
  type Context,
  type Session,
  type SessionUser,
} from './context';
export { handleTrpcRequest, MAX_BATCH_SIZE, MAX_BODY_BYTES } from './http';
export { httpStatusOf, trpcErrorResponse } from './http-errors';
export { handleSubjectUpload, MAX_UPLOAD_BYTES, originAllowed } from './upload';
export { handleConsentGrantUpload, MAX_EVIDENCE_UPLOAD_BYTES } from './evidence-upload';
export { handleProvenanceVerify, MAX_VERIFY_BYTES } from './provenance-http';
export type { TImageCredentials, TConsentStanding } from '@musar/core/provenance/provenance';
/** Server start: the instance's C2PA signing credentials (made now in embedded mode). */
export { prepareInstanceCredentials } from '@musar/provenance';
export { procedureAccess } from './access';
export type { Access } from './trpc';
export { registerShippedModels, findModelsDir } from '@musar/core/models/shipped';
export { seedDemoSubjects } from '@musar/core/subjects/subjects';
