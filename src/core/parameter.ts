import { describeValue } from "./validation.js";
import { loadFloat32Kernels, loadedFloat32Kernels } from "./wasm/runtime.js";

/** Element storage a {@link Parameter} accepts: single or double precision. */
export type FloatArray = Float32Array | Float64Array;

/** Options for {@link Parameter}. */
export interface ParameterOptions {
  /**
   * Gradient buffer, of the same array type and length as `data`. Defaults to
   * a zero-filled array; pass `null` to start without a gradient.
   */
  grad?: FloatArray | null;
  /** Tensor shape; its product must equal `data.length`. Defaults to `[data.length]`. */
  shape?: readonly number[];
  /** Name used in error messages. */
  name?: string;
}

/**
 * A tensor that an optimizer updates in place: `data` holds the values and
 * `grad` the gradient of the loss with respect to them.
 *
 * `step()` skips a parameter whose `grad` is `null`, leaving its state untouched,
 * as PyTorch skips parameters without a gradient.
 *
 * @example
 * ```ts
 * const w = new Parameter(new Float32Array(784 * 10), { shape: [784, 10] });
 * w.grad!.fill(0.5);
 * ```
 */
export class Parameter {
  data: FloatArray;
  grad: FloatArray | null;
  readonly shape: readonly number[];
  readonly name: string | undefined;

  /**
   * @throws TypeError if `data` is not a Float32Array or Float64Array, if
   *   `grad` differs from it in type or length, or if `options` or `shape`
   *   has the wrong type.
   * @throws RangeError if `shape` does not describe `data.length` elements.
   */
  constructor(data: FloatArray, options: ParameterOptions = {}) {
    if (!isFloatArray(data)) {
      throw new TypeError(
        `Parameter: data must be a Float32Array or Float64Array, got ${describeValue(data)}. ` +
          `Wrap the values, e.g. new Float32Array(values).`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Parameter: options must be an object such as { shape: [${data.length}] }, got ${describeValue(options)}. ` +
          `Leave them out for a flat parameter with a zero gradient.`,
      );
    }
    const shape = options.shape ?? [data.length];
    const named = options.name ? ` "${options.name}"` : "";
    const shapeProblem =
      `Parameter${named}: shape must be an array of integers >= 0, got ${describeValue(shape)}. ` +
      `Pass the tensor's sizes, e.g. [${data.length}].`;
    if (!Array.isArray(shape) || !shape.every((n) => typeof n === "number")) {
      throw new TypeError(shapeProblem);
    }
    if (!shape.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new RangeError(shapeProblem);
    }
    const size = shape.reduce((product, n) => product * n, 1);
    if (size !== data.length) {
      throw new RangeError(
        `Parameter${named}: shape [${shape.join(", ")}] ` +
          `must hold exactly data.length = ${data.length} elements, got ${size}. ` +
          `Pass a shape whose product is ${data.length}.`,
      );
    }
    const grad =
      options.grad === undefined
        ? (new (data.constructor as FloatArrayConstructor)(
            data.length,
          ) as FloatArray)
        : options.grad;
    const label = options.name ? `Parameter "${options.name}"` : "Parameter";
    if (grad !== null) checkGradMatches(data, grad, label);
    this.data = data;
    this.grad = grad;
    this.shape = [...shape];
    this.name = options.name;
  }

  /**
   * Creates a float32 parameter whose `data` and `grad` live in descent's
   * WebAssembly memory, zero-filled. The WebAssembly kernels then update it
   * in place, without the copies in and out that an ordinary Float32Array
   * costs on each step. Without WebAssembly SIMD in the engine, or if the
   * memory is full, it uses ordinary Float32Arrays and works the same.
   *
   * @remarks The memory grows when parameters are allocated, when an
   *   optimizer creates or loads state (its first step, and the step after
   *   `loadStateDict`), and when a step needs more room to copy gradients
   *   held in ordinary Float32Arrays (the first such step, and the first
   *   after `dispose()` freed that room). Growing it detaches every array
   *   viewing it. So read `param.data` and `param.grad` afresh rather than
   *   keeping the arrays across those calls; the properties always hold
   *   live arrays.
   *   Assigning another array to `data` or `grad` (also `zeroGrad(true)`)
   *   gives up that array's place in the memory. {@link dispose} frees the
   *   memory at once, and garbage collection frees it eventually.
   * @throws RangeError if `length` is not an integer ≥ 0, is more than the
   *   engine can allocate, or `shape` does not describe it.
   * @example
   * ```ts
   * const w = Parameter.allocate(3, { name: "w" });
   * const opt = new SGD([w], { lr: 0.5 });
   * w.grad!.set([1, 2, 3]);   // write gradients in place
   * opt.step(); // w.data is now [-0.5, -1, -1.5]
   * w.dispose();
   * ```
   */
  static allocate(
    length: number,
    options: Omit<ParameterOptions, "grad"> = {},
  ): Parameter {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(
        `Parameter.allocate: length must be an integer >= 0, got ${describeValue(length)}. ` +
          `Pass the number of elements, e.g. 784 * 10.`,
      );
    }
    const kernels = loadFloat32Kernels();
    const dataBlock = kernels?.arena.allocate(length) ?? null;
    const gradBlock =
      dataBlock === null ? null : (kernels?.arena.allocate(length) ?? null);
    if (kernels === null || dataBlock === null || gradBlock === null) {
      dataBlock?.free();
      let data: Float32Array;
      try {
        data = new Float32Array(length);
      } catch (error) {
        throw new RangeError(
          `Parameter.allocate: cannot allocate ${length} float32 elements (${length * 4} bytes): ` +
            `${(error as Error).message}. Split the values into smaller parameters.`,
        );
      }
      return new Parameter(data, options);
    }
    const param = new Parameter(dataBlock.view(), {
      ...options,
      grad: gradBlock.view(),
    });
    kernels.residents.attach(param, "data", dataBlock);
    kernels.residents.attach(param, "grad", gradBlock);
    return param;
  }

  /**
   * Frees this parameter's place in descent's WebAssembly memory: `data`
   * and `grad` become ordinary Float32Arrays holding the same values. Does
   * nothing for a parameter that was not made by {@link Parameter.allocate}.
   */
  dispose(): void {
    loadedFloat32Kernels()?.residents.releaseAll(this);
  }
}

type FloatArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Tells whether `value` is a Float32Array or a Float64Array. */
export function isFloatArray(value: unknown): value is FloatArray {
  return value instanceof Float32Array || value instanceof Float64Array;
}

/** Name of a float array's element type: `"float32"` or `"float64"`. */
export function dtypeOf(array: FloatArray): "float32" | "float64" {
  return array instanceof Float32Array ? "float32" : "float64";
}

/** Allocates a zero-filled array of the same element type as `like`. */
export function zerosLike(like: FloatArray): FloatArray {
  return like instanceof Float32Array
    ? new Float32Array(like.length)
    : new Float64Array(like.length);
}

/**
 * Checks that `grad` can be a gradient of `data`: same element type, same length.
 * @param where Start of the error message, naming the parameter.
 * @throws TypeError naming the parameter and the mismatch.
 */
export function checkGradMatches(
  data: FloatArray,
  grad: unknown,
  where: string,
): asserts grad is FloatArray {
  if (!isFloatArray(grad)) {
    throw new TypeError(
      `${where}: grad must be a ${data.constructor.name} or null, got ${describeValue(grad)}. ` +
        `Assign a ${data.constructor.name} of length ${data.length}.`,
    );
  }
  if (grad.constructor !== data.constructor) {
    throw new TypeError(
      `${where}: grad is a ${grad.constructor.name} but data is a ${data.constructor.name}; ` +
        `both must have the same element type. Convert the gradient with new ${data.constructor.name}(grad).`,
    );
  }
  if (grad.length !== data.length) {
    throw new TypeError(
      `${where}: grad has length ${grad.length} but data has length ${data.length}; ` +
        `they must be equal. Compute the gradient for all ${data.length} elements.`,
    );
  }
}
