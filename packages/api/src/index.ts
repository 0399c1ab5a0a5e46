export { appRouter, createCaller, type AppRouter } from './root';
export {
  createContext,
  createContextInner,
  type Context,
  type Session,
  type SessionUser,
} from './context';
export { handleTrpcRequest, MAX_BATCH_SIZE, MAX_BODY_BYTES } from './http';
export { handleSubjectUpload, MAX_UPLOAD_BYTES, originAllowed } from './upload';
export { procedureAccess } from './access';
export type { Access } from './trpc';
export { registerShippedModels, findModelsDir } from './services/shipped-models';
