import { auditRouter } from './routers/audit';
import { health } from './routers/health';
import { me } from './routers/me';
import { reviewRouter } from './routers/review';
import { usersRouter } from './routers/users';
import { consentsRouter } from './routers/consents';
import { exportRouter } from './routers/export';
import { generationRouter } from './routers/generation';
import { subjectsRouter } from './routers/subjects';
import { routingRouter } from './routers/routing';
import { modelsRouter } from './routers/models';
import { metricsRouter } from './routers/metrics';
import { provenanceRouter } from './routers/provenance';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  health,
  me,
  users: usersRouter,
  audit: auditRouter,
  review: reviewRouter,
  subjects: subjectsRouter,
  consents: consentsRouter,
  export: exportRouter,
  generation: generationRouter,
  routing: routingRouter,
  models: modelsRouter,
  metrics: metricsRouter,
  provenance: provenanceRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
