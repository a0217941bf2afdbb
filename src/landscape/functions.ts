/** A point of the plane, `[x, y]`. */
export type Point = readonly [number, number];

/** A rectangle of the plane: `x` and `y` ranges as `[min, max]`. */
export interface Domain {
  x: readonly [number, number];
  y: readonly [number, number];
}

/** A known minimum of a test function. */
export interface Minimum {
  point: Point;
  value: number;
  /** True for a global minimum, false for a local one. */
  global: boolean;
}

/** A two-dimensional function to minimize, with what a plot of it needs. */
export interface TestFunction {
  /** Lowercase key, as the CLI and {@link getTestFunction} take it. */
  name: string;
  /** Display name. */
  title: string;
  /** The formula in plain text. */
  formula: string;
  value(x: number, y: number): number;
  /** The analytic gradient `[∂f/∂x, ∂f/∂y]`. */
  gradient(x: number, y: number): [number, number];
  /** The rectangle a plot shows. */
  domain: Domain;
  /**
   * Known minima. Empty for a function that is unbounded below, such as a
   * saddle. Local minima are listed only where there are a handful.
   */
  minima: readonly Minimum[];
  /**
   * True when contour levels should be spaced logarithmically above the
   * minimum, because the values span several orders of magnitude and the
   * interesting region lies near the bottom.
   */
  logContours: boolean;
  /** A start from which the optimizers' paths tell something apart. */
  start: Point;
  /** Steps a run takes by default. */
  steps: number;
  /** One line on what the function shows about optimizers. */
  summary: string;
}

const { PI, sin, cos, SQRT1_2 } = Math;

/** Rosenbrock's banana valley with a = 1, b = 100. */
export const rosenbrock: TestFunction = {
  name: "rosenbrock",
  title: "Rosenbrock",
  formula: "(1 − x)² + 100·(y − x²)²",
  value: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  gradient: (x, y) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
  domain: { x: [-2, 2], y: [-1, 3] },
  minima: [{ point: [1, 1], value: 0, global: true }],
  logContours: true,
  start: [-1.2, 1],
  steps: 500,
  summary: "a curved, flat-bottomed valley: easy to reach, slow to follow",
};

/** Beale's function: flat plateaus and sharp ridges. */
export const beale: TestFunction = {
  name: "beale",
  title: "Beale",
  formula: "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
  value(x, y) {
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y * y;
    const c = 2.625 - x + x * y ** 3;
    return a * a + b * b + c * c;
  },
  gradient(x, y) {
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y * y;
    const c = 2.625 - x + x * y ** 3;
    return [
      2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y ** 3 - 1),
      2 * a * x + 4 * b * x * y + 6 * c * x * y * y,
    ];
  },
  domain: { x: [-4.5, 4.5], y: [-4.5, 4.5] },
  minima: [{ point: [3, 0.5], value: 0, global: true }],
  logContours: true,
  start: [1, 1.5],
  steps: 500,
  summary: "steep walls around flat plateaus: gradient sizes vary by orders of magnitude",
};

/** Himmelblau's function: four global minima of equal value. */
export const himmelblau: TestFunction = {
  name: "himmelblau",
  title: "Himmelblau",
  formula: "(x² + y − 11)² + (x + y² − 7)²",
  value: (x, y) => (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
  gradient(x, y) {
    const a = x * x + y - 11;
    const b = x + y * y - 7;
    return [4 * x * a + 2 * b, 2 * a + 4 * y * b];
  },
  domain: { x: [-5, 5], y: [-5, 5] },
  // Minimizers to 16 digits by Newton's method on the analytic gradient; all have value 0.
  minima: [
    { point: [3, 2], value: 0, global: true },
    { point: [-2.805118086952745, 3.131312518250573], value: 0, global: true },
    { point: [-3.779310253377747, -3.283185991286169], value: 0, global: true },
    { point: [3.5844283403304917, -1.8481265269644036], value: 0, global: true },
  ],
  logContours: true,
  start: [-0.5, -0.5],
  steps: 200,
  summary: "four equal minima: the start and the optimizer decide which one is reached",
};

/** Booth's function: a convex quadratic bowl. */
export const booth: TestFunction = {
  name: "booth",
  title: "Booth",
  formula: "(x + 2y − 7)² + (2x + y − 5)²",
  value: (x, y) => (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
  gradient(x, y) {
    const a = x + 2 * y - 7;
    const b = 2 * x + y - 5;
    return [2 * a + 4 * b, 4 * a + 2 * b];
  },
  domain: { x: [-10, 10], y: [-10, 10] },
  minima: [{ point: [1, 3], value: 0, global: true }],
  logContours: true,
  start: [-8, -6],
  steps: 200,
  summary: "a tilted quadratic bowl with condition number 9: the easy case",
};

/** The horse saddle x² − y², unbounded below. */
export const saddle: TestFunction = {
  name: "saddle",
  title: "Saddle",
  formula: "x² − y²",
  value: (x, y) => x * x - y * y,
  gradient: (x, y) => [2 * x, -2 * y],
  domain: { x: [-2, 2], y: [-2, 2] },
  minima: [],
  logContours: false,
  start: [-1.9, 0.01],
  steps: 100,
  summary: "a saddle point at the origin: a start near the ridge shows who escapes it",
};

/** The monkey saddle x³ − 3xy², with three valleys, unbounded below. */
export const monkeySaddle: TestFunction = {
  name: "monkey-saddle",
  title: "Monkey saddle",
  formula: "x³ − 3xy²",
  value: (x, y) => x ** 3 - 3 * x * y * y,
  gradient: (x, y) => [3 * x * x - 3 * y * y, -6 * x * y],
  domain: { x: [-2, 2], y: [-2, 2] },
  minima: [],
  logContours: false,
  start: [1.5, 0.1],
  steps: 100,
  summary: "a flat saddle where the gradient and the curvature both vanish",
};

/** Rastrigin's function in two dimensions: a bowl covered in ripples. */
export const rastrigin: TestFunction = {
  name: "rastrigin",
  title: "Rastrigin",
  formula: "20 + x² − 10·cos(2πx) + y² − 10·cos(2πy)",
  value: (x, y) => 20 + x * x - 10 * cos(2 * PI * x) + y * y - 10 * cos(2 * PI * y),
  gradient: (x, y) => [2 * x + 20 * PI * sin(2 * PI * x), 2 * y + 20 * PI * sin(2 * PI * y)],
  domain: { x: [-5.12, 5.12], y: [-5.12, 5.12] },
  minima: [{ point: [0, 0], value: 0, global: true }],
  logContours: false,
  start: [4.2, 3.6],
  steps: 200,
  summary: "a local minimum near every integer point: gradient methods stop in the nearest",
};

// Minimizers of the six-hump camel to 16 digits by Newton's method on the analytic gradient.
const CAMEL_GLOBAL_X = 0.08984201310031807;
const CAMEL_GLOBAL_Y = 0.7126564030207396;
const CAMEL_GLOBAL_VALUE = -1.0316284534898774;

/** The six-hump camel function: two global and four local minima. */
export const sixHumpCamel: TestFunction = {
  name: "six-hump-camel",
  title: "Six-hump camel",
  formula: "(4 − 2.1x² + x⁴/3)·x² + xy + (4y² − 4)·y²",
  value: (x, y) => (4 - 2.1 * x * x + x ** 4 / 3) * x * x + x * y + (4 * y * y - 4) * y * y,
  gradient: (x, y) => [8 * x - 8.4 * x ** 3 + 2 * x ** 5 + y, x - 8 * y + 16 * y ** 3],
  domain: { x: [-2, 2], y: [-1.25, 1.25] },
  minima: [
    { point: [CAMEL_GLOBAL_X, -CAMEL_GLOBAL_Y], value: CAMEL_GLOBAL_VALUE, global: true },
    { point: [-CAMEL_GLOBAL_X, CAMEL_GLOBAL_Y], value: CAMEL_GLOBAL_VALUE, global: true },
    { point: [-1.7036067149699805, 0.7960835686726251], value: -0.21546382438371792, global: false },
    { point: [1.7036067149699805, -0.7960835686726251], value: -0.21546382438371792, global: false },
    { point: [-1.6071047529201974, -0.5686514548841313], value: 2.1042503103112575, global: false },
    { point: [1.6071047529201974, 0.5686514548841313], value: 2.1042503103112575, global: false },
  ],
  logContours: false,
  start: [-1.8, -1.1],
  steps: 200,
  summary: "two global and four local minima between ridges",
};

// The two minimizers of one coordinate's term ½(t⁴ − 16t² + 5t), roots of
// 2t³ − 16t + 2.5, to 16 digits by Newton's method.
const TANG_GLOBAL_T = -2.903534027771177;
const TANG_LOCAL_T = 2.746802770990837;
const tangTerm = (t: number) => 0.5 * (t ** 4 - 16 * t * t + 5 * t);

/** The Styblinski-Tang function in two dimensions: one global, three local minima. */
export const styblinskiTang: TestFunction = {
  name: "styblinski-tang",
  title: "Styblinski-Tang",
  formula: "½·(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)",
  value: (x, y) => tangTerm(x) + tangTerm(y),
  gradient: (x, y) => [2 * x ** 3 - 16 * x + 2.5, 2 * y ** 3 - 16 * y + 2.5],
  domain: { x: [-5, 5], y: [-5, 5] },
  minima: [
    [TANG_GLOBAL_T, TANG_GLOBAL_T],
    [TANG_GLOBAL_T, TANG_LOCAL_T],
    [TANG_LOCAL_T, TANG_GLOBAL_T],
    [TANG_LOCAL_T, TANG_LOCAL_T],
  ].map(([x, y]) => ({
    point: [x, y] as const,
    value: tangTerm(x) + tangTerm(y),
    global: x === TANG_GLOBAL_T && y === TANG_GLOBAL_T,
  })),
  logContours: false,
  start: [0.3, 4.5],
  steps: 200,
  summary: "four basins of different depth: the nearest is not the deepest",
};

/** Condition number κ of {@link quadratic}: the ratio of its Hessian's eigenvalues. */
export const QUADRATIC_CONDITION = 50;

/** An ill-conditioned quadratic whose axes are turned 45° from x and y. */
export const quadratic: TestFunction = {
  name: "quadratic",
  title: "Ill-conditioned quadratic",
  formula: `½·(u² + ${QUADRATIC_CONDITION}·v²), u = (x + y)/√2, v = (x − y)/√2`,
  value(x, y) {
    const u = (x + y) * SQRT1_2;
    const v = (x - y) * SQRT1_2;
    return 0.5 * (u * u + QUADRATIC_CONDITION * v * v);
  },
  gradient(x, y) {
    const u = (x + y) * SQRT1_2;
    const kv = QUADRATIC_CONDITION * (x - y) * SQRT1_2;
    return [(u + kv) * SQRT1_2, (u - kv) * SQRT1_2];
  },
  domain: { x: [-3, 3], y: [-3, 3] },
  minima: [{ point: [0, 0], value: 0, global: true }],
  logContours: true,
  start: [-2.5, -1.5],
  steps: 200,
  summary: `a narrow diagonal valley (κ = ${QUADRATIC_CONDITION}): plain steps zigzag, per-coordinate scaling cannot straighten it`,
};

/** Every built-in test function, in the order the CLI and playground list them. */
export const testFunctions: readonly TestFunction[] = [
  rosenbrock,
  beale,
  himmelblau,
  booth,
  saddle,
  monkeySaddle,
  rastrigin,
  sixHumpCamel,
  styblinskiTang,
  quadratic,
];

/** Names {@link getTestFunction} accepts. */
export const testFunctionNames: readonly string[] = testFunctions.map((fn) => fn.name);

/**
 * Looks a test function up by name, ignoring case.
 * @throws TypeError for an unknown name, listing the valid ones.
 */
export function getTestFunction(name: string): TestFunction {
  const found = testFunctions.find((fn) => fn.name === String(name).toLowerCase());
  if (found === undefined) {
    throw new TypeError(
      `unknown test function ${JSON.stringify(name)}. ` +
        `Valid names: ${testFunctionNames.join(", ")}.`,
    );
  }
  return found;
}

/** Distance from `point` to the nearest of `fn`'s known minima, or `undefined` if it has none. */
export function distanceToNearestMinimum(fn: TestFunction, point: Point): number | undefined {
  let best: number | undefined;
  for (const { point: [mx, my] } of fn.minima) {
    const distance = Math.hypot(point[0] - mx, point[1] - my);
    if (best === undefined || distance < best) best = distance;
  }
  return best;
}
