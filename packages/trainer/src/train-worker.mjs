// Worker-thread entry for DataParallelTrainer from TypeScript sources: Node 20 workers do not take
// `--import tsx`, so the loader is registered here and the TS body imported through it.
import { tsImport } from 'tsx/esm/api';

await tsImport('./train-worker.ts', import.meta.url);
