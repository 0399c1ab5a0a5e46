// Worker-thread bootstrap: registers tsx's ESM loader in this thread, then loads the TypeScript
// entry named in workerData (Node ignores `--import tsx` in a Worker's execArgv for its entry).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
