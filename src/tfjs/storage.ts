import * as tf from "@tensorflow/tfjs-core";

/**
 * Access to the float32 elements of tensors for one optimizer update.
 *
 * On the CPU and WebAssembly backends a tensor's elements live in a
 * Float32Array: the CPU backend's store, or a view of the WebAssembly heap.
 * So the update reads gradients where they are, and it writes variables with
 * at most one copy inside the backend. On every other backend, or with
 * `direct` off, it copies through `dataSync()` and installs the result with
 * `variable.assign`.
 *
 * - CPU: a variable is rewritten in place when no other tensor shares its
 *   storage (backend reference count 1); otherwise it gets a copy of its own.
 * - WebAssembly: each update writes into new heap memory, initialised by a
 *   copy inside the heap, and `assign` installs it. In-place writes are not
 *   safe there: tfjs-backend-wasm 4.22 keeps a matrix product's packed
 *   weights for as long as the weight tensor lives, so dense layers went on
 *   using the old weights in model.fit when their storage was rewritten.
 */

/** Element arrays for one update, and how to make the new values visible. */
export interface OpenUpdate {
  /** Writable elements of each variable, in the order given. */
  readonly values: Float32Array[];
  /** Readable elements of each gradient, in the order given. */
  readonly gradients: Float32Array[];
  /** Makes the rewritten values the variables' values. Call once, after the update. */
  commit(): void;
  /** Releases what `openUpdate` allocated, leaving every variable as it was. */
  abort(): void;
}

type DataId = object;

interface CpuBackend {
  data: { get(dataId: DataId): { values?: unknown } | undefined };
  refCount(dataId: DataId): number;
}

interface WasmBackend {
  typedArrayFromHeap(info: { shape: number[]; dtype: tf.DataType; dataId: DataId }): unknown;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** A variable's source of writable elements for one update. */
type Plan =
  | { kind: "inPlace"; variable: tf.Variable }
  /** New backend storage; `initialized` is false until the variable's values are copied in. */
  | { kind: "fresh"; variable: tf.Variable; tensor: tf.Tensor; initialized: boolean }
  | { kind: "copy"; variable: tf.Variable; values: Float32Array };

/**
 * Opens `variables` for writing and `gradients` for reading.
 *
 * Memory on the WebAssembly heap is allocated first and views are taken
 * afterwards, because growing the heap detaches every view taken before.
 * The caller must not run TF.js operations between `openUpdate` and `commit`.
 *
 * @param direct false copies every tensor, as on a backend without direct access.
 */
export function openUpdate(
  variables: readonly tf.Variable[],
  gradients: readonly tf.Tensor[],
  direct: boolean,
): OpenUpdate {
  const plans = variables.map((variable) => planWrite(variable, direct));
  const gradientCopies = gradients.map((g) => (direct && hasView(g) ? null : copyOf(g)));

  const values = plans.map((plan) => {
    if (plan.kind === "copy") return plan.values;
    if (plan.kind === "inPlace") return viewOf(plan.variable) as Float32Array;
    const target = viewOf(plan.tensor) as Float32Array;
    if (!plan.initialized) target.set(viewOf(plan.variable) as Float32Array);
    return target;
  });
  const gradientValues = gradients.map((g, i) => gradientCopies[i] ?? (viewOf(g) as Float32Array));
  checkLengths(variables, values, "variable");
  checkLengths(gradients, gradientValues, "gradient");

  let closed = false;
  return {
    values,
    gradients: gradientValues,
    commit() {
      if (closed) return;
      closed = true;
      plans.forEach((plan) => commitPlan(plan));
    },
    abort() {
      if (closed) return;
      closed = true;
      for (const plan of plans) if (plan.kind === "fresh") plan.tensor.dispose();
    },
  };
}

function planWrite(variable: tf.Variable, direct: boolean): Plan {
  if (!direct || !hasView(variable)) return { kind: "copy", variable, values: copyOf(variable) };
  const backend = ownerOf(variable);
  if (backend === initializedBackend("wasm")) {
    const info = (backend as unknown as WasmBackend).makeOutput([...variable.shape], "float32");
    const tensor = tf.engine().makeTensorFromTensorInfo(info, backend);
    return { kind: "fresh", variable, tensor, initialized: false };
  }
  if ((backend as unknown as CpuBackend).refCount(variable.dataId) === 1) {
    return { kind: "inPlace", variable };
  }
  // Another tensor (the variable's initial value, a reshape) shares the
  // storage, so the variable gets storage of its own.
  const tensor = tf.tensor(copyOf(variable), variable.shape, "float32");
  return { kind: "fresh", variable, tensor, initialized: true };
}

function commitPlan(plan: Plan): void {
  if (plan.kind === "inPlace") return;
  const tensor =
    plan.kind === "fresh" ? plan.tensor : tf.tensor(plan.values, plan.variable.shape, "float32");
  plan.variable.assign(tensor);
  tensor.dispose();
}

/** Copies a tensor's elements into an array that no tensor shares. */
function copyOf(tensor: tf.Tensor): Float32Array {
  // The CPU backend's dataSync returns its own store, so copy in every case.
  return new Float32Array(tensor.dataSync() as Float32Array);
}

function ownerOf(tensor: tf.Tensor): tf.KernelBackend | undefined {
  return tf.engine().state.tensorInfo.get(tensor.dataId)?.backend;
}

/**
 * Returns the backend registered as `name` if it is initialised, else
 * undefined. `tf.findBackend` would start initialising it, which can switch
 * the active backend.
 */
function initializedBackend(name: string): tf.KernelBackend | undefined {
  return tf.engine().registry[name];
}

/** Tells whether `viewOf` can return the tensor's own elements. */
function hasView(tensor: tf.Tensor): boolean {
  return tensor.dtype === "float32" && viewOf(tensor) !== null;
}

/** Returns the tensor's own elements on the CPU or WebAssembly backend, else null. */
function viewOf(tensor: tf.Tensor): Float32Array | null {
  const backend = ownerOf(tensor);
  if (backend === undefined) return null;
  let view: unknown = null;
  if (backend === initializedBackend("cpu")) {
    view = (backend as unknown as CpuBackend).data.get(tensor.dataId)?.values;
  } else if (backend === initializedBackend("wasm")) {
    view = (backend as unknown as WasmBackend).typedArrayFromHeap(tensor);
  }
  return view instanceof Float32Array && view.length === tensor.size ? view : null;
}

function checkLengths(tensors: readonly tf.Tensor[], arrays: Float32Array[], kind: string): void {
  tensors.forEach((tensor, i) => {
    if (arrays[i].length !== tensor.size) {
      // A view shrinks to length 0 when the WebAssembly heap grows after it was taken.
      throw new Error(
        `DescentOptimizer: the ${kind} "${tensorLabel(tensor)}" has ${tensor.size} elements ` +
          `but its storage shows ${arrays[i].length}. Create the optimizer with directAccess: false.`,
      );
    }
  });
}

function tensorLabel(tensor: tf.Tensor): string {
  return (tensor as tf.Variable).name ?? `tensor ${tensor.id}`;
}
