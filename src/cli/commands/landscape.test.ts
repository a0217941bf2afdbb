import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { Command, CommanderError } from "commander";
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { rosenbrock } from "../../landscape/index.js";
import { PNG_SCALE } from "../../report/charts.js";
import { type LandscapeResult, registerLandscape } from "./landscape.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "descent-landscape-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `descent landscape ARGS` in this process and returns what it printed. */
async function landscape(...args: string[]): Promise<string> {
  const program = new Command("descent")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerLandscape(program);
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(["landscape", ...args], { from: "user" });
  } finally {
    spy.mockRestore();
  }
  return printed.join("");
}

/** Runs `descent landscape ARGS` and returns the error it raised. */
async function landscapeError(...args: string[]): Promise<Error> {
  try {
    await landscape(...args);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`descent landscape ${args.join(" ")} did not fail`);
}

describe("descent landscape", () => {
  let json: LandscapeResult;
  let svg: string;
  let png: Buffer;
  let printed: string;

  beforeAll(async () => {
    printed = await landscape(
      "--function", "rosenbrock",
      "--optimizers", "sgd,momentum,adam",
      "--start", "-1.5,2",
      "--steps", "300",
      "--out", join(dir, "plot.svg"),
      "--out", join(dir, "plot.png"),
      "--json", join(dir, "runs.json"),
    );
    json = JSON.parse(await readFile(join(dir, "runs.json"), "utf8")) as LandscapeResult;
    svg = await readFile(join(dir, "plot.svg"), "utf8");
    png = await readFile(join(dir, "plot.png"));
  });

  it("draws one path per optimizer in the SVG", () => {
    expect(svg.match(/class="trajectory"/g)).toHaveLength(3);
    for (const name of ["sgd", "momentum", "adam"]) {
      expect(svg).toContain(`class="trajectory" data-label="${name}"`);
    }
  });

  it("marks start and end of each path", () => {
    expect(svg.match(/class="start"/g)).toHaveLength(3);
    expect(svg.match(/class="end"/g)).toHaveLength(3);
  });

  it("writes a PNG twice the SVG's size", () => {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString("ascii", 12, 16)).toBe("IHDR");
    const svgWidth = Number(svg.match(/<svg[^>]* width="(\d+)"/)![1]);
    const svgHeight = Number(svg.match(/<svg[^>]* height="(\d+)"/)![1]);
    expect(png.readUInt32BE(16)).toBe(svgWidth * PNG_SCALE);
    expect(png.readUInt32BE(20)).toBe(svgHeight * PNG_SCALE);
  });

  it("writes the runs as JSON", () => {
    expect(json.function).toBe("rosenbrock");
    expect(json.start).toEqual([-1.5, 2]);
    expect(json.runs.map((run) => run.optimizer)).toEqual(["sgd", "momentum", "adam"]);
    for (const run of json.runs) {
      expect(run.points).toHaveLength(301);
      expect(run.values).toHaveLength(301);
      expect(run.points[0]).toEqual([-1.5, 2]);
      run.points.forEach(([x, y], k) => expect(run.values[k]).toBe(rosenbrock.value(x, y)));
    }
  });

  it("records every option with defaults filled in", () => {
    const adam = json.runs.find((run) => run.optimizer === "adam")!;
    expect(Object.keys(adam.options).sort()).toEqual(
      ["amsgrad", "betas", "eps", "lr", "maximize", "weightDecay"],
    );
    expect(adam.options.betas).toEqual([0.9, 0.999]);
    const momentum = json.runs.find((run) => run.optimizer === "momentum")!;
    expect(momentum.options.momentum).toBe(0.9);
  });

  it("records Adam's loss falling on Rosenbrock", () => {
    const { values } = json.runs.find((run) => run.optimizer === "adam")!;
    const mean = (part: number[]) => part.reduce((sum, v) => sum + v, 0) / part.length;
    expect(values[values.length - 1]).toBeLessThan(values[0] / 20);
    expect(mean(values.slice(-50))).toBeLessThan(mean(values.slice(0, 50)));
    expect(mean(values.slice(-50))).toBeLessThan(mean(values.slice(100, 150)));
  });

  it("prints each optimizer's outcome and the files written", () => {
    expect(printed).toMatch(/^ {2}adam +lr 0\.2 +f = /m);
    expect(printed).toContain(`wrote ${join(dir, "plot.png")}`);
    expect(printed).toContain(`wrote ${join(dir, "runs.json")}`);
  });
});

describe("descent landscape with a diverging run", () => {
  // Momentum at lr 0.01 leaves Beale's plot and reaches about 1e13 before its
  // value overflows.
  let svg: string;
  let png: Buffer;

  beforeAll(async () => {
    await landscape(
      "--function", "beale",
      "--start", "-1,1.5",
      "--optimizers", "momentum,adam",
      "--lr", "0.01,0.1",
      "--out", join(dir, "diverged.svg"),
      "--out", join(dir, "diverged.png"),
    );
    svg = await readFile(join(dir, "diverged.svg"), "utf8");
    png = await readFile(join(dir, "diverged.png"));
  });

  /** The plot area as the SVG's clip rectangle gives it, in SVG pixels. */
  function plotArea() {
    const rect = svg.match(/<clipPath id="plot-area"><rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/)!;
    const [x, y, width, height] = rect.slice(1).map(Number);
    return { x, y, width, height };
  }

  /** Returns the [r, g, b] of each PNG pixel in the plot area, 3 SVG pixels in from the frame's stroke. */
  function plotPixels(): [number, number, number][] {
    const image = decode(png);
    const area = plotArea();
    const inset = 3 * PNG_SCALE;
    const [left, right] = [area.x * PNG_SCALE + inset, (area.x + area.width) * PNG_SCALE - inset];
    const [top, bottom] = [area.y * PNG_SCALE + inset, (area.y + area.height) * PNG_SCALE - inset];
    const pixels: [number, number, number][] = [];
    for (let row = top; row < bottom; row++) {
      for (let col = left; col < right; col++) {
        const offset = (row * image.width + col) * image.channels;
        pixels.push([image.data[offset], image.data[offset + 1], image.data[offset + 2]]);
      }
    }
    return pixels;
  }

  it("keeps every path coordinate near the plot", () => {
    const { width } = plotArea();
    const paths = [...svg.matchAll(/<path[^>]* d="([^"]*)"/g)].map((match) => match[1]);
    const coordinates = paths.flatMap((d) => d.match(/-?[\d.]+(e[-+]?\d+)?/g)!.map(Number));
    expect(coordinates.length).toBeGreaterThan(0);
    for (const value of coordinates) expect(Math.abs(value)).toBeLessThan(10 * width);
  });

  it("fills the PNG's plot area with contours", () => {
    const pixels = plotPixels();
    const white = pixels.filter(([r, g, b]) => r === 255 && g === 255 && b === 255);
    expect(pixels.length).toBeGreaterThan(0);
    expect(white.length / pixels.length).toBeLessThan(0.05);
  });

  it("draws each path in the PNG", () => {
    const pixels = plotPixels();
    for (const label of ["momentum", "adam"]) {
      const stroke = svg.match(new RegExp(`class="trajectory" data-label="${label}"[^>]* stroke="#(\\w{6})"`))![1];
      const [red, green, blue] = [0, 2, 4].map((k) => parseInt(stroke.slice(k, k + 2), 16));
      const near = pixels.filter(
        ([r, g, b]) => Math.abs(r - red) + Math.abs(g - green) + Math.abs(b - blue) < 30,
      );
      expect(near.length, label).toBeGreaterThan(200);
    }
  });

  it("marks where the diverging run left the plot", () => {
    expect(svg).toContain('class="exit" data-label="momentum"');
    expect(svg).not.toContain('class="end" data-label="momentum"');
  });
});

describe("descent landscape options", () => {
  it("applies one --lr to every optimizer", async () => {
    await landscape("--function", "booth", "--optimizers", "sgd,adam", "--lr", "0.003", "--steps", "5", "--json", join(dir, "one.json"));
    const json = JSON.parse(await readFile(join(dir, "one.json"), "utf8")) as LandscapeResult;
    expect(json.runs.map((run) => run.options.lr)).toEqual([0.003, 0.003]);
  });

  it("applies a --lr list in order", async () => {
    await landscape("--function", "booth", "--optimizers", "sgd,adam", "--lr", "0.003,0.7", "--steps", "5", "--json", join(dir, "two.json"));
    const json = JSON.parse(await readFile(join(dir, "two.json"), "utf8")) as LandscapeResult;
    expect(json.runs.map((run) => run.options.lr)).toEqual([0.003, 0.7]);
  });
});

describe("descent landscape errors", () => {
  it("names an unknown function and the valid ones", async () => {
    const error = await landscapeError("--function", "rosenbrok");
    expect(error).toBeInstanceOf(CommanderError);
    expect(error.message).toContain("'rosenbrok' is invalid");
    expect(error.message).toContain("rosenbrock, beale, himmelblau");
    expect(error.message).toContain("--function rosenbrock");
  });

  it("names an unknown optimizer and the valid ones", async () => {
    const error = await landscapeError("--optimizers", "adam,adamm");
    expect(error.message).toContain('Unknown optimizer "adamm"');
    expect(error.message).toContain("sgd, momentum, nesterov");
    expect(error.message).toContain("--optimizers sgd,adam");
  });

  it("rejects a start that is not two numbers", async () => {
    for (const start of ["1", "1,2,3", "a,1", "1,"]) {
      const error = await landscapeError("--start", start);
      expect(error.message).toContain(`'${start}' is invalid`);
      expect(error.message).toContain("--start -1.2,1");
    }
  });

  it("rejects a plot file that is not SVG or PNG", async () => {
    const error = await landscapeError("--out", "plot.jpg");
    expect(error.message).toContain("'plot.jpg' is invalid");
    expect(error.message).toContain("--out plot.svg");
  });

  it("rejects a --lr list of the wrong length", async () => {
    const error = await landscapeError("--optimizers", "sgd,adam,rmsprop", "--lr", "0.1,0.2");
    expect(error.message).toMatch(/--lr lists 2 rates but --optimizers lists 3/);
  });

  it("rejects a non-positive learning rate", async () => {
    const error = await landscapeError("--lr", "0");
    expect(error.message).toContain("'0' is invalid");
  });

  it("rejects hexadecimal numbers", async () => {
    for (const [flag, text] of [["--start", "0x1,2"], ["--lr", "0x1"]]) {
      const error = await landscapeError(flag, text);
      expect(error).toBeInstanceOf(CommanderError);
      expect(error.message).toContain(`'${text}' is invalid`);
    }
  });

  it("suggests a plot name for a bare extension", async () => {
    const error = await landscapeError("--out", ".svg");
    expect(error.message).toContain("Try --out landscape.svg.");
  });

  it("rejects an empty --json path", async () => {
    const error = await landscapeError("--json", "");
    expect(error.message).toContain(`The JSON file needs a name, got "". Try --json landscape.json.`);
  });

  it("checks every output path before writing any", async () => {
    const file = join(dir, "taken.txt");
    await writeFile(file, "keep me");
    const folder = join(dir, "folder.svg");
    await mkdir(folder);
    const first = join(dir, "first.svg");
    const cases: Array<[string[], string]> = [
      [["--out", join(file, "plot.svg")], `--out ${file}: ${file} is a file, not a folder.`],
      [["--out", folder], `--out ${folder}: ${folder} is a folder, not a file. Choose another file name.`],
      [["--json", dir], `--json ${dir}: ${dir} is a folder, not a file.`],
    ];
    for (const [args, message] of cases) {
      const error = await landscapeError("--optimizers", "sgd", "--steps", "2", "--out", first, ...args);
      expect(error.message).toContain(message);
      expect(existsSync(first)).toBe(false);
    }
  });
});

describe("descent landscape from the command line", () => {
  it("runs through the descent program", async () => {
    const run = promisify(execFile);
    const out = join(dir, "cli.json");
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "landscape", "--function", "saddle", "--optimizers", "adam", "--steps", "10", "--json", out],
      { cwd: join(import.meta.dirname, "../../..") },
    );
    expect(stdout).toContain("Saddle from (-1.9, 0.01), 10 steps:");
    const json = JSON.parse(await readFile(out, "utf8")) as LandscapeResult;
    expect(json.runs[0].points).toHaveLength(11);
  });
});
