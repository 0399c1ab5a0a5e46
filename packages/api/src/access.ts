import type { AnyRouter } from '@trpc/server';
import type { Access } from './trpc';

/** Every procedure of a router with its declared access (undefined = not declared). */
export function procedureAccess(router: AnyRouter): Record<string, Access | undefined> {
  const out: Record<string, Access | undefined> = {};
  const procedures = router._def.procedures as Record<
    string,
    { _def: { meta?: { access?: Access } } }
  >;
  for (const [path, procedure] of Object.entries(procedures))
    out[path] = procedure._def.meta?.access;
  return out;
}
