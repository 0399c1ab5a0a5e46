// Every test file runs on the wasm backend (the default Node backend), initialised once per file.
import { initBackend } from '../src/backend';

await initBackend('wasm');
