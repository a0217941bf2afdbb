import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";

import { createProgress } from "./progress.js";

/** Creates a stream that records what is written and reports itself as a terminal or not. */
function fakeStream(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & NodeJS.WriteStream;
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  Object.assign(stream, {
    isTTY,
    columns: 80,
    rows: 24,
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
  });
  return { stream, text: () => text };
}

const METRICS = {
  optimizer: "adam",
  epoch: 1,
  trainLoss: 0.5,
  testLoss: 0.4,
  testAccuracy: 0.85,
  seconds: 1.2,
};

describe("progress display", () => {
  it("logs plain lines when the stream is not a terminal", () => {
    const { stream, text } = fakeStream(false);
    const progress = createProgress(stream);
    progress.start("adam", 2);
    progress.epoch("adam", METRICS, 2);
    progress.fail("sgd", "lr too large");
    progress.stop();
    expect(text()).toContain("adam: started, 2 epochs");
    expect(text()).toContain(
      "adam epoch 1/2: train loss 0.5000, test loss 0.4000, test accuracy 85.0%, 1.2 s",
    );
    expect(text()).toContain("sgd failed: lr too large");
  });

  it("prints lines logged before the bars and after stop on a terminal", () => {
    const { stream, text } = fakeStream(true);
    const progress = createProgress(stream);
    progress.log("header line");
    progress.start("adam", 2);
    progress.update("adam", 5, 10, 0.7);
    progress.finish("adam");
    progress.stop();
    progress.log("Report: /tmp/report.html");
    expect(text()).toContain("header line\n");
    expect(text()).toContain("Report: /tmp/report.html\n");
  });

  it("keeps a bar line within 80 columns", () => {
    const { stream, text } = fakeStream(true);
    const progress = createProgress(stream);
    progress.start("amsbound", 10);
    progress.update("amsbound", 470, 470, 0.1234);
    progress.epoch(
      "amsbound",
      { ...METRICS, epoch: 10, testAccuracy: 0.853 },
      10,
    );
    progress.stop();
    const lines = text()
      .split(/\r|\n|\u001b\[[0-9;]*[A-Za-z]/)
      .filter((line) => line.includes("amsbound"));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });
});
