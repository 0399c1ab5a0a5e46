import { initBackend } from '@musar/model';

await initBackend('wasm');
