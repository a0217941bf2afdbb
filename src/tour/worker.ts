/**
 * Entry point of a training worker thread: runs each job it receives with
 * `runTrainingJob` and replies with the outcome or the error message.
 */
import { parentPort, workerData } from "node:worker_threads";

import { type TrainingJob, type WorkerReply, runTrainingJob } from "./training.js";

const { dataDir } = workerData as { dataDir: string };

parentPort!.on("message", async ({ id, job }: { id: number; job: TrainingJob }) => {
  let reply: WorkerReply;
  try {
    reply = { id, outcome: await runTrainingJob(job, dataDir) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
