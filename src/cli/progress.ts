import cliProgress from "cli-progress";

import type { EpochMetrics } from "../train/run.js";

/** Shows the progress of several runs: a bar per run on a terminal, log lines otherwise. */
export interface ProgressDisplay {
  start(label: string, epochs: number): void;
  update(label: string, done: number, total: number, loss: number): void;
  epoch(label: string, metrics: EpochMetrics, epochs: number): void;
  finish(label: string): void;
  /** Marks a run as failed and prints the reason. */
  fail(label: string, message: string): void;
  log(message: string): void;
  stop(): void;
}

/** Formats an epoch's metrics as one log line. */
export function formatEpoch(
  label: string,
  metrics: EpochMetrics,
  epochs: number,
): string {
  const accuracy = (metrics.testAccuracy * 100).toFixed(1);
  return (
    `${label} epoch ${metrics.epoch}/${epochs}: train loss ${metrics.trainLoss.toFixed(4)}, ` +
    `test loss ${metrics.testLoss.toFixed(4)}, test accuracy ${accuracy}%, ${metrics.seconds.toFixed(1)} s`
  );
}

// Characters of a run's label in a progress bar; the default optimizers' names fit.
const LABEL_WIDTH = 9;

/** Creates the display that suits `stream`: bars on a terminal, plain lines in a pipe or file. */
export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
): ProgressDisplay {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

class LineProgress implements ProgressDisplay {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  start(label: string, epochs: number): void {
    this.log(`${label}: started, ${epochs} epochs`);
  }

  update(): void {}

  epoch(label: string, metrics: EpochMetrics, epochs: number): void {
    this.log(formatEpoch(label, metrics, epochs));
  }

  finish(label: string): void {
    this.log(`${label}: finished`);
  }

  fail(label: string, message: string): void {
    this.log(`${label} failed: ${message}`);
  }

  log(message: string): void {
    this.stream.write(`${message}\n`);
  }

  stop(): void {}
}

class BarProgress implements ProgressDisplay {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly multi: cliProgress.MultiBar;
  private active = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    // About 70 columns, so a bar fits an 80-column terminal without wrapping.
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: " {label} {bar} {percentage}% | loss {loss} | {status}",
        barsize: 16,
        hideCursor: true,
        clearOnComplete: false,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(label: string, epochs: number): void {
    const bar = this.multi.create(1, 0, {
      label: label.padEnd(LABEL_WIDTH).slice(0, LABEL_WIDTH),
      loss: "-",
      status: `epoch 0/${epochs}`,
    });
    this.bars.set(label, bar);
    this.active = true;
  }

  update(label: string, done: number, total: number, loss: number): void {
    const bar = this.bars.get(label);
    if (bar === undefined) return;
    bar.setTotal(total);
    bar.update(done, Number.isFinite(loss) ? { loss: loss.toFixed(4) } : {});
  }

  epoch(label: string, metrics: EpochMetrics, epochs: number): void {
    const accuracy = (metrics.testAccuracy * 100).toFixed(1);
    this.bars.get(label)?.update({
      status: `epoch ${metrics.epoch}/${epochs}, acc ${accuracy}%`,
    });
  }

  finish(label: string): void {
    const bar = this.bars.get(label);
    if (bar !== undefined) bar.update(bar.getTotal());
  }

  fail(label: string, message: string): void {
    this.bars.get(label)?.update({ status: "failed" });
    this.log(`${label} failed: ${message}`);
  }

  log(message: string): void {
    // cli-progress buffers logged lines until its next redraw, which never
    // comes before the first bar or after stop(), so those lines go out directly.
    if (this.active) this.multi.log(`${message}\n`);
    else this.stream.write(`${message}\n`);
  }

  stop(): void {
    this.multi.stop();
    this.active = false;
  }
}
