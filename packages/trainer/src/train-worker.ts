// Worker-thread entry for DataParallelTrainer under tsx.
import { runTrainWorker } from './parallel';

runTrainWorker();
