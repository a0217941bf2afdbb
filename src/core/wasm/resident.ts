import type { Arena, Float32Block } from "./memory.js";

/**
 * Properties of plain objects (a state's buffer record, a Parameter's `data`
 * and `grad`) whose arrays live in descent's WebAssembly memory.
 *
 * A resident property is an accessor that returns its block's current view,
 * so readers never meet an array detached by the memory's growth. Assigning
 * to it stores the new value as an ordinary property and frees the block.
 */

/** Resident blocks by object, then by property name. */
const residents = new WeakMap<object, Map<string, Float32Block>>();

/** Frees the blocks of objects that were garbage-collected without {@link releaseAll}. */
const finalizer = new FinalizationRegistry<Map<string, Float32Block>>((blocks) => {
  for (const block of blocks.values()) block.free();
});

/**
 * Returns the block behind `record[name]` while that property is still the
 * resident accessor, else undefined.
 */
export function residentBlock(record: object, name: string): Float32Block | undefined {
  const blocks = residents.get(record);
  const block = blocks?.get(name);
  if (block === undefined) return undefined;
  if ((record as Record<string, unknown>)[name] === block.view()) return block;
  // The accessor was deleted or redefined behind our back: the block is unused.
  blocks?.delete(name);
  block.free();
  return undefined;
}

/** Makes `record[name]` an accessor for `block`, without copying anything into it. */
export function attachBlock(record: object, name: string, block: Float32Block): void {
  let blocks = residents.get(record);
  if (blocks === undefined) {
    blocks = new Map();
    residents.set(record, blocks);
    finalizer.register(record, blocks, record);
  }
  blocks.get(name)?.free();
  blocks.set(name, block);
  const owned = blocks;
  Object.defineProperty(record, name, {
    get: () => block.view(),
    set: (value: unknown) => {
      if (owned.get(name) === block) owned.delete(name);
      block.free();
      defineValue(record, name, value);
    },
    enumerable: true,
    configurable: true,
  });
}

/**
 * Moves the Float32Array in `record[name]` into `arena`: a new block receives
 * a copy and the property becomes its accessor. Does nothing if the property
 * is resident already.
 * @returns false when the arena is full; the property is then left as it was.
 */
export function adopt(record: Record<string, unknown>, name: string, arena: Arena): boolean {
  if (residentBlock(record, name) !== undefined) return true;
  const value = record[name] as Float32Array;
  const block = arena.allocate(value.length);
  if (block === null) return false;
  block.view().set(value);
  attachBlock(record, name, block);
  return true;
}

/**
 * Replaces every resident property of `record` with an ordinary
 * Float32Array holding a copy of its values, and frees the blocks.
 */
export function releaseAll(record: object): void {
  const blocks = residents.get(record);
  if (blocks === undefined) return;
  residents.delete(record);
  finalizer.unregister(record);
  for (const [name, block] of blocks) {
    const view = block.view();
    if ((record as Record<string, unknown>)[name] === view) defineValue(record, name, view.slice());
    block.free();
  }
}

function defineValue(record: object, name: string, value: unknown): void {
  Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
}
