import { parentPort } from "node:worker_threads";

import { type RunTask, executeRun } from "./execute-run.js";

/** Messages a run worker sends to the thread that scheduled it. */
export type WorkerMessage =
  | {
      kind: "progress";
      label: string;
      done: number;
      total: number;
      loss: number;
    }
  | {
      kind: "epoch";
      label: string;
      metrics: import("../train/run.js").EpochMetrics;
    }
  | {
      kind: "resume";
      label: string;
      epochs: import("../train/run.js").EpochMetrics[];
    }
  | {
      kind: "done";
      label: string;
      outcome: import("./execute-run.js").RunOutcome;
    }
  | { kind: "error"; label: string; message: string };

// Progress messages at most this often, so a fast run does not flood the main thread.
const PROGRESS_INTERVAL_MS = 200;

if (parentPort !== null) {
  const port = parentPort;
  port.on("message", async (task: RunTask) => {
    const send = (message: WorkerMessage) => port.postMessage(message);
    let lastProgress = 0;
    try {
      const outcome = await executeRun(task, {
        onProgress: (done, total, loss) => {
          const now = Date.now();
          if (done < total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
          lastProgress = now;
          send({ kind: "progress", label: task.label, done, total, loss });
        },
        onEpoch: (metrics) =>
          send({ kind: "epoch", label: task.label, metrics }),
        onResume: (epochs) =>
          send({ kind: "resume", label: task.label, epochs }),
      });
      send({ kind: "done", label: task.label, outcome });
    } catch (error) {
      send({
        kind: "error",
        label: task.label,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
}
