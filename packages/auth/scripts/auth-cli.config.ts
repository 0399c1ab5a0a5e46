// Config read only by the better-auth CLI (`npm run auth:generate -w @musar/auth`) to generate
// db/src/schema/auth.ts. It must list the same plugins as src/auth.ts that add tables/fields.
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { admin } from 'better-auth/plugins';

export const auth = betterAuth({
  database: drizzleAdapter({} as never, { provider: 'pg' }),
  emailAndPassword: { enabled: true },
  plugins: [admin()],
});
