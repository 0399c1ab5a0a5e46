// Starts real worker processes (src/main.ts through tsx) against a test database.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCredentials } from '@musar/provenance';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Production mode (DATABASE_URL) signs every output and refuses to without a C2PA pair: one for
// the test run, as a deployment's secret would give it.
const signing = await generateCredentials({ organization: 'MUSAR worker tests' });

export type TWorkerProcess = {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  logs: string[];
};

export function startWorkerProcess(url: string, env: Record<string, string> = {}): TWorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      MUSAR_THREADS: '1',
      METRICS_PORT: '0',
      MUSAR_MAINTENANCE_SECONDS: '1',
      MUSAR_SHUTDOWN_GRACE_SECONDS: '10',
      LOG_LEVEL: 'info',
      MUSAR_C2PA_CERT: signing.certPem,
      MUSAR_C2PA_KEY: signing.keyPem,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  child.stdout!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      logs.push(line);
      if (line.includes('"ready":true')) resolveReady();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  void exited.then((code) =>
    rejectReady(new Error(`worker exited (${code}) before ready:\n${logs.join('\n')}`)),
  );
  return { child, ready, exited, logs };
}
