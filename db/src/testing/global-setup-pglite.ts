// Vitest globalSetup: migrate one PGlite template per run and hand its dump to every test file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildPgliteTemplate } from './index';

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'musar-pglite-'));
  const file = join(dir, 'template.tar');
  const dump = await buildPgliteTemplate();
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('musarPgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
