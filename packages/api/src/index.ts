export { appRouter, createCaller, type AppRouter } from './root';
export {
  createContext,
  createContextInner,
  type Context,
  type Session,
  type SessionUser,
} from './context';
export { handleTrpcRequest, MAX_BODY_BYTES } from './http';
export { procedureAccess } from './access';
export type { Access } from './trpc';
export { registerShippedModels, findModelsDir } from './services/shipped-models';
