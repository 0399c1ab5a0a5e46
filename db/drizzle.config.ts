import { defineConfig } from 'drizzle-kit';

// `npm run db:generate -w @musar/db` turns schema changes into a new committed migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './migrations',
});
