#!/usr/bin/env node
// The `musar` CLI: runs apps/cli/src/main.ts (TypeScript source) under tsx, from any directory.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../apps/cli/src/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsx, main, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
// A stop signal to this wrapper goes to the CLI (training checkpoints and stops cleanly on it).
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const s of SIGNALS) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => {
  for (const s of SIGNALS) process.removeAllListeners(s);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
