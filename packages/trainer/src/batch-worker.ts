// Worker-thread entry for BatchPrefetcher under tsx (the device bundle uses its own entry).
import { runBatchWorker } from './prefetch';

runBatchWorker();
