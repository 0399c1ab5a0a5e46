// Plain-JS entry of the retrain thread: registers tsx's loader in this thread, then imports the
// TypeScript thread module (the worker's `--import` flag does not reach threads on Node 20).
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
