import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";

import { parseOptimizerName } from "./options.js";

describe("parseOptimizerName", () => {
  it("takes one name", () => {
    expect(parseOptimizerName("Adam")).toBe("adam");
  });

  it("rejects a list of names", () => {
    expect(() => parseOptimizerName("adam,sgd")).toThrow(InvalidArgumentError);
    expect(() => parseOptimizerName("adam,sgd")).toThrow(
      /must name one optimizer, got 2: "adam", "sgd"\. Run descent compare/,
    );
  });
});
