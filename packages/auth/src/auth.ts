import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { admin } from 'better-auth/plugins';
import type { Db } from '@musar/db';
import * as schema from '@musar/db/schema';
import { ac, roles } from './permissions';

export type CreateAuthOptions = {
  db: Db;
  /** At least 32 characters; see resolveSecret. */
  secret: string;
  /** Public URL of the dashboard, e.g. http://localhost:3000. */
  baseURL: string;
  /** Extra origins allowed to post to the auth routes (the baseURL's origin always is). */
  trustedOrigins?: string[];
  /** Session lifetime in seconds (default 7 days). */
  sessionExpiresIn?: number;
  /** Throttle the auth routes per client IP (better-auth's limiter; default on). */
  rateLimit?: boolean;
  /** Reverse proxies (IPs or CIDRs, MUSAR_TRUSTED_PROXIES) whose X-Forwarded-For is believed: the
   * client IP is the rightmost address not in this list. None (default): X-Forwarded-For is
   * whatever the client sent, so no IP is tracked and the per-IP limiter is off — it could be
   * evaded by rotating the header; the per-account throttle (throttle.ts) applies either way. */
  trustedProxies?: string[];
};

export const MIN_PASSWORD_LENGTH = 12;

export function createAuth(options: CreateAuthOptions) {
  return betterAuth({
    appName: 'MUSAR Review',
    secret: options.secret,
    baseURL: options.baseURL,
    trustedOrigins: options.trustedOrigins ?? [],
    database: drizzleAdapter(options.db, {
      provider: 'pg',
      schema: {
        user: schema.user,
        session: schema.session,
        account: schema.account,
        verification: schema.verification,
      },
    }),
    // Accounts are created by an admin (or the first-start bootstrap), never by self sign-up.
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
    },
    session: {
      expiresIn: options.sessionExpiresIn ?? 60 * 60 * 24 * 7,
      updateAge: 60 * 60 * 24,
    },
    plugins: [admin({ ac, roles, defaultRole: 'reviewer', adminRoles: ['admin'] })],
    rateLimit: { enabled: options.rateLimit ?? true, window: 60, max: 100 },
    advanced: {
      // The session and its user in one statement (a relational query) rather than two: every
      // request resolves its session, so this is one database round trip less per request.
      database: { joins: true },
      ipAddress: options.trustedProxies?.length
        ? { trustedProxies: options.trustedProxies }
        : { disableIpTracking: true },
    },
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;
export type AuthSession = NonNullable<Awaited<ReturnType<Auth['api']['getSession']>>>;
