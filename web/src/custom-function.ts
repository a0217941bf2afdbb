import { type MathNode, derivative, parse } from "mathjs";

import type { Domain, TestFunction } from "../../src/landscape/index.js";

/** Constants a custom function may use besides x and y. */
const CONSTANTS = new Set(["pi", "e", "tau", "phi"]);

/** Functions a custom function may call: the elementary ones mathjs can differentiate. */
const FUNCTIONS = new Set([
  "sin", "cos", "tan", "sec", "csc", "cot",
  "asin", "acos", "atan", "sinh", "cosh", "tanh",
  "exp", "log", "sqrt", "cbrt", "abs", "pow", "square", "cube",
]);

/** A custom function's settings, as the playground's custom-function box gives them. */
export interface CustomFunctionInput {
  /** The expression f(x, y) in mathjs syntax, e.g. `x^2 + 3*y^2`. */
  expression: string;
  domain: Domain;
  /** Space contour levels logarithmically above the lowest sampled value. */
  logContours: boolean;
}

/** Raised for an expression that cannot become a test function. The message gives the reason and the fix. */
export class CustomFunctionError extends Error {
  override name = "CustomFunctionError";
}

/**
 * Builds a test function from an expression typed by the user. mathjs parses
 * the text into an expression tree and differentiates it symbolically, and
 * the compiled trees evaluate f and its gradient, so no JavaScript is ever
 * evaluated from the text.
 *
 * Values that are not real numbers (the square root of a negative number,
 * say) become NaN, which a trajectory treats as divergence.
 *
 * @throws CustomFunctionError for a syntax error, an unknown variable or
 *   function, a function mathjs cannot differentiate, or an invalid domain.
 */
export function buildCustomFunction(input: CustomFunctionInput): TestFunction {
  checkDomain(input.domain);
  const node = parseExpression(input.expression);
  checkSymbols(node);
  const dfdx = differentiate(node, "x");
  const dfdy = differentiate(node, "y");

  const f = node.compile();
  const fx = dfdx.compile();
  const fy = dfdy.compile();
  const { x, y } = input.domain;
  const text = node.toString();
  return {
    name: "custom",
    title: "Custom function",
    formula: text,
    value: (px, py) => toReal(f.evaluate({ x: px, y: py })),
    gradient: (px, py) => [toReal(fx.evaluate({ x: px, y: py })), toReal(fy.evaluate({ x: px, y: py }))],
    domain: input.domain,
    minima: [],
    logContours: input.logContours,
    start: [x[0] + 0.2 * (x[1] - x[0]), y[0] + 0.8 * (y[1] - y[0])],
    steps: 200,
    summary: `∂f/∂x = ${dfdx.toString()},  ∂f/∂y = ${dfdy.toString()}`,
  };
}

function parseExpression(expression: string): MathNode {
  if (expression.trim() === "") {
    throw new CustomFunctionError("The expression is empty. Type f(x, y), e.g. x^2 + 3*y^2.");
  }
  try {
    return parse(expression);
  } catch (error) {
    throw new CustomFunctionError(
      `The expression ${JSON.stringify(expression)} could not be parsed: ${(error as Error).message}. ` +
        `Write it in mathjs syntax, e.g. x^2 + 3*y^2 or sin(x)*cos(y).`,
    );
  }
}

/** Rejects variables other than x and y and functions outside {@link FUNCTIONS}. */
function checkSymbols(node: MathNode): void {
  node.traverse((child, path, parent) => {
    if (child.type === "FunctionNode") {
      const name = (child as unknown as { fn: { name?: string } }).fn.name ?? "";
      if (!FUNCTIONS.has(name)) {
        throw new CustomFunctionError(
          `The function ${JSON.stringify(name)} is not supported. ` +
            `Use one of: ${[...FUNCTIONS].join(", ")}.`,
        );
      }
      return;
    }
    if (child.type !== "SymbolNode") return;
    const isFunctionName = parent?.type === "FunctionNode" && path === "fn";
    const name = (child as unknown as { name: string }).name;
    if (isFunctionName || name === "x" || name === "y" || CONSTANTS.has(name)) return;
    throw new CustomFunctionError(
      `Unknown variable ${JSON.stringify(name)}. ` +
        `The function may use x, y and the constants ${[...CONSTANTS].join(", ")}.`,
    );
  });
  if (!hasVariable(node)) {
    throw new CustomFunctionError(
      "The expression does not depend on x or y, so every gradient is zero. Use x and y, e.g. x^2 + y^2.",
    );
  }
}

function hasVariable(node: MathNode): boolean {
  const isVariable = (child: MathNode) =>
    child.type === "SymbolNode" && ["x", "y"].includes((child as unknown as { name: string }).name);
  return node.filter(isVariable).length > 0;
}

function differentiate(node: MathNode, variable: "x" | "y"): MathNode {
  try {
    return derivative(node, variable);
  } catch (error) {
    throw new CustomFunctionError(
      `The derivative with respect to ${variable} could not be taken: ${(error as Error).message}. ` +
        `Use elementary functions such as sin, exp, log and sqrt.`,
    );
  }
}

function checkDomain(domain: Domain): void {
  for (const axis of ["x", "y"] as const) {
    const [low, high] = domain[axis];
    if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
      throw new CustomFunctionError(
        `The ${axis} range [${low}, ${high}] is invalid: it needs two finite numbers, the first smaller. ` +
          `Try ${axis} from -3 to 3.`,
      );
    }
  }
}

/** Returns a real result as a number and anything else (complex, matrix, unit) as NaN. */
function toReal(value: unknown): number {
  return typeof value === "number" ? value : Number.NaN;
}
