// Vitest globalSetup of the `postgres` project: one throwaway PostgreSQL per run with a migrated
// template database; each test file gets `CREATE DATABASE … TEMPLATE musar_template`.
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { createDb } from '../client';
import { startThrowawayPostgres } from './postgres';

const TEMPLATE = 'musar_template';

export default async function setup(project: TestProject) {
  const server = await startThrowawayPostgres();
  try {
    const admin = postgres(server.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${TEMPLATE}`);
    await admin.end();
    const handle = await createDb({ url: server.urlFor(TEMPLATE), maxConnections: 1 });
    await handle.migrate();
    await handle.close();
  } catch (error) {
    await server.stop();
    throw error;
  }
  console.log(`[postgres suite] throwaway PostgreSQL on 127.0.0.1:${server.port}`);
  project.provide('musarPostgres', { url: server.url, template: TEMPLATE });
  return () => server.stop();
}
