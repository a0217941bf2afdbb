import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";

import { registerTour } from "./tour.js";

/** Runs `descent tour ARGS` in this process and returns the error it raised. */
async function tourError(...args: string[]): Promise<Error> {
  const program = new Command("descent")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerTour(program);
  try {
    await program.parseAsync(["node", "descent", "tour", ...args]);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`descent tour ${args.join(" ")} did not fail`);
}

describe("descent tour options", () => {
  // Number() reads "" as 0 and "0x10" as 16.
  for (const text of ["", " ", "0x10", "1e3"]) {
    it(`rejects the seed ${JSON.stringify(text)}`, async () => {
      const error = await tourError("--seed", text);
      expect(error).toBeInstanceOf(CommanderError);
      expect(error.message).toContain(
        `the seed must be an integer, got "${text}". Try 0.`,
      );
    });
  }

  it("rejects an empty worker count", async () => {
    const error = await tourError("--workers", "");
    expect(error).toBeInstanceOf(CommanderError);
    expect(error.message).toContain(
      `the worker count must be an integer ≥ 0, got "".`,
    );
  });

  it("rejects an empty experiment list", async () => {
    for (const text of ["", " , "]) {
      const error = await tourError("--only", text);
      expect(error).toBeInstanceOf(CommanderError);
      expect(error.message).toContain(
        `must name at least one experiment, got "${text}". Valid ids: batch-size,`,
      );
    }
  });

  it("rejects an empty output folder", async () => {
    const error = await tourError("--out", "");
    expect(error).toBeInstanceOf(CommanderError);
    expect(error.message).toContain(
      `must name a folder, got "". Try out/tour.`,
    );
  });
});
