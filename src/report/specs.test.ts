import { describe, expect, it } from "vitest";

import {
  syntheticReport,
  syntheticRun,
} from "../../test/helpers/report-input.js";
import { SERIES_COLORS } from "./palette.js";
import {
  buildChartSpecs,
  downsample,
  logTicks,
  lrScheduleSpec,
  smoothingSpan,
  smoothSeries,
} from "./specs.js";

type Encoded = {
  data: { values: Record<string, unknown>[] };
  encoding: { color: { scale: { domain: string[]; range: string[] } } };
};

describe("smoothSeries", () => {
  it("returns the values unchanged for span 1", () => {
    expect(smoothSeries([3, 1, 4, 1, 5], 1)).toEqual([3, 1, 4, 1, 5]);
  });

  it("corrects the bias of the first values", () => {
    // Span 3 gives decay 0.5, so m1 = 0.5·4 and m2 = 0.5·m1 + 0.5·2.
    const [first, second] = smoothSeries([4, 2], 3);
    expect(first).toBeCloseTo(4, 12);
    expect(second).toBeCloseTo((0.5 * 2 + 0.5 * 2) / (1 - 0.25), 12);
  });

  it("keeps a constant series constant", () => {
    for (const value of smoothSeries(Array(40).fill(0.7), 9)) {
      expect(value).toBeCloseTo(0.7, 12);
    }
  });
});

describe("smoothingSpan", () => {
  it("is about a fiftieth of the steps", () => {
    expect(smoothingSpan(0)).toBe(1);
    expect(smoothingSpan(10)).toBe(1);
    expect(smoothingSpan(1000)).toBe(20);
  });
});

describe("downsample", () => {
  it("keeps short series whole", () => {
    expect(downsample([1, 2, 3], 5)).toEqual([1, 2, 3]);
  });

  it("keeps at most maxPoints, the first and the last", () => {
    const items = Array.from({ length: 1001 }, (_, i) => i);
    const kept = downsample(items, 100);
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(1000);
  });
});

describe("logTicks", () => {
  it("encloses the data with 1-2-5 ticks", () => {
    expect(logTicks(0.25, 2.6)).toEqual([0.2, 0.5, 1, 2, 5]);
  });

  it("uses powers of ten over many decades", () => {
    expect(logTicks(3e-7, 0.05)).toEqual([
      1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1,
    ]);
  });

  it("widens a constant series to two intervals", () => {
    expect(logTicks(1, 1)).toEqual([0.5, 1, 2]);
  });

  it("keeps ticks that equal the data range", () => {
    expect(logTicks(0.1, 10)).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10]);
  });
});

describe("buildChartSpecs", () => {
  it("builds all six charts when steps carry rates", () => {
    const ids = buildChartSpecs(syntheticReport()).map((chart) => chart.id);
    expect(ids).toEqual([
      "loss-per-step",
      "loss-per-epoch",
      "test-accuracy",
      "time-per-epoch",
      "effective-lr",
      "lr-per-step",
    ]);
  });

  it("leaves out step charts for runs without steps", () => {
    const input = syntheticReport();
    input.runs = input.runs.map((run) => ({ ...run, steps: [] }));
    const ids = buildChartSpecs(input).map((chart) => chart.id);
    expect(ids).toEqual(["loss-per-epoch", "test-accuracy", "time-per-epoch"]);
  });

  it("gives each run the same colour in every chart", () => {
    const charts = buildChartSpecs(syntheticReport());
    const expected = new Map([
      ["sgd", SERIES_COLORS[0]],
      ["adam", SERIES_COLORS[1]],
      ["adabound", SERIES_COLORS[2]],
    ]);
    for (const chart of charts) {
      const { domain, range } = (chart.spec as unknown as Encoded).encoding
        .color.scale;
      domain.forEach((label, index) => {
        expect(range[index], `${chart.id}: ${label}`).toBe(expected.get(label));
      });
    }
  });

  it("draws effective rates of runs that record them", () => {
    const chart = buildChartSpecs(syntheticReport()).find(
      (c) => c.id === "effective-lr",
    )!;
    const { domain } = (chart.spec as unknown as Encoded).encoding.color.scale;
    expect(domain).toEqual(["adam", "adabound"]);
  });

  it("draws SGD's effective rate as a reference", () => {
    const input = syntheticReport();
    const sgd = input.runs[0];
    sgd.steps = sgd.steps.map((step) => ({ ...step, effectiveLr: step.lr }));
    const chart = buildChartSpecs(input).find((c) => c.id === "effective-lr")!;
    const { domain } = (chart.spec as unknown as Encoded).encoding.color.scale;
    expect(domain).toEqual(["sgd", "adam", "adabound"]);
    expect(chart.description).toContain("For SGD");
  });

  it("describes the effective rate as a median", () => {
    const chart = buildChartSpecs(syntheticReport()).find(
      (c) => c.id === "effective-lr",
    )!;
    expect(chart.description).toMatch(/^Median step size over the weights/);
    expect(chart.description).toContain("non-zero gradient");
    expect(chart.description).not.toContain("averaged");
  });

  it("drops non-finite losses from log charts", () => {
    const run = syntheticRun("sgd", 0.4, false);
    run.steps[10].loss = Number.NaN;
    run.steps[11].loss = Number.POSITIVE_INFINITY;
    run.epochs[3].trainLoss = Number.NaN;
    const input = { title: "t", settings: {}, runs: [run] };
    for (const chart of buildChartSpecs(input)) {
      for (const row of (chart.spec as unknown as Encoded).data.values) {
        for (const value of Object.values(row)) {
          if (typeof value === "number") {
            expect(
              Number.isFinite(value),
              `${chart.id}: ${JSON.stringify(row)}`,
            ).toBe(true);
          }
        }
      }
    }
  });

  it("uses a linear lr axis when a rate is 0", () => {
    const run = syntheticRun("sgd", 0.4, false);
    run.steps.at(-1)!.lr = 0;
    const input = { title: "t", settings: {}, runs: [run] };
    const chart = buildChartSpecs(input).find((c) => c.id === "lr-per-step")!;
    expect(chart.description).toContain("linear scale");
    expect(JSON.stringify(chart.spec)).not.toContain('"log"');
  });
});

describe("lrScheduleSpec", () => {
  it("draws one series per parameter group", () => {
    const spec = lrScheduleSpec(
      [
        [0.1, 0.01],
        [0.05, 0.01],
      ],
      "StepLR",
    ) as unknown as Encoded;
    expect(spec.encoding.color.scale.domain).toEqual(["group 0", "group 1"]);
    expect(spec.data.values).toHaveLength(4);
  });

  it.each([
    ["no steps", [] as number[][], /has no values/],
    [
      "ragged groups",
      [[0.1, 0.2], [0.1]],
      /step 1: expected an array of 2 rates/,
    ],
    ["empty step", [[]], /step 0: expected an array of at least 1 rates/],
    [
      "NaN rate",
      [[0.1], [Number.NaN]],
      /step 1, group 0: rate must be a finite number, got NaN/,
    ],
  ])("rejects %s", (_, values, message) => {
    expect(() => lrScheduleSpec(values, "Bad")).toThrow(message);
  });
});
