import { auditRouter } from './routers/audit';
import { health } from './routers/health';
import { me } from './routers/me';
import { reviewRouter } from './routers/review';
import { usersRouter } from './routers/users';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  health,
  me,
  users: usersRouter,
  audit: auditRouter,
  review: reviewRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
