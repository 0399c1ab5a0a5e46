// Server components: a page's first tRPC queries run on the server, for this request's user (the
// same procedures, guards and validation as over HTTP), and land in the browser's react-query
// cache through <Hydrate>, so the first HTML already holds the data (no empty paint, no spinner,
// no second round trip). The client components keep their useQuery calls unchanged; the keys
// match because both sides build them with the same tRPC options proxy.
import { dehydrate, HydrationBoundary, QueryClient } from '@tanstack/react-query';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { ReactNode } from 'react';
import { appRouter, createContextInner, type AppRouter, type Session } from '@musar/api';
import { getServices } from '@/server/services';

/** What goes over the wire: the HTTP endpoint sends JSON (no transformer), so the hydrated data
 * is the same JSON — a Date becomes the string the browser would have received. */
const asJson = (data: unknown): unknown =>
  data === undefined ? undefined : JSON.parse(JSON.stringify(data));

/** A per-request query client (never shared between requests or users) and the tRPC options
 * proxy that calls the procedures in-process as `session`'s user. Only call it once the page's
 * own session/role check has passed; a procedure that still says no leaves its query out of the
 * hydrated state (the client then asks and shows the error, as before). */
export function serverQueries(session: Session) {
  const queryClient = new QueryClient({
    // as the browser's (src/trpc/client.tsx): one try, then the client shows the error
    defaultOptions: { queries: { staleTime: 5_000, retry: false } },
  });
  const trpc = createTRPCOptionsProxy<AppRouter>({
    router: appRouter,
    ctx: async () => createContextInner({ db: (await getServices()).handle.db, session }),
    queryClient,
  });
  return { queryClient, trpc };
}

/** The prefetched queries of `client` (successful ones only), hydrated into the browser's cache. */
export function Hydrate({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <HydrationBoundary state={dehydrate(client, { serializeData: asJson })}>
      {children}
    </HydrationBoundary>
  );
}
