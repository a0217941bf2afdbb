import type { Arena, Float32Block } from "./memory.js";

/** The resident properties of one record, by name, and the weak reference the refresh walks. */
interface RecordEntry {
  blocks: Map<string, Float32Block>;
  ref: WeakRef<object>;
}

/**
 * Properties of plain objects (a state's buffer record, a Parameter's `data`
 * and `grad`) whose arrays live in an {@link Arena}.
 *
 * Such a property stays an ordinary data property holding a Float32Array
 * view of its block, so reading it costs what reading any property costs.
 * When the arena's memory grows, which detaches every view, the registry
 * writes a fresh view into each property before the allocation that grew it
 * returns. A property that no longer holds its block's view (the caller
 * assigned another array) gives the block back.
 */
export class ResidentRecords {
  private readonly entries = new WeakMap<object, RecordEntry>();
  /** Every record with resident properties, for the refresh after growth. */
  private readonly records = new Set<WeakRef<object>>();
  /** Frees the blocks of records that were garbage-collected without {@link releaseAll}. */
  private readonly finalizer = new FinalizationRegistry<RecordEntry>(
    ({ blocks, ref }) => {
      this.records.delete(ref);
      for (const block of blocks.values()) block.free();
    },
  );

  constructor(arena: Arena) {
    arena.onGrow(() => this.refresh());
  }

  /**
   * Returns the block behind `record[name]` while that property still holds
   * the block's view, else undefined. A block whose property was reassigned
   * is freed here.
   */
  blockOf(record: object, name: string): Float32Block | undefined {
    const blocks = this.entries.get(record)?.blocks;
    const block = blocks?.get(name);
    if (block === undefined) return undefined;
    if ((record as Record<string, unknown>)[name] === block.view())
      return block;
    blocks?.delete(name);
    block.free();
    return undefined;
  }

  /** Sets `record[name]` to `block`'s view and keeps it current, without copying anything into the block. */
  attach(record: object, name: string, block: Float32Block): void {
    let entry = this.entries.get(record);
    if (entry === undefined) {
      entry = { blocks: new Map(), ref: new WeakRef(record) };
      this.entries.set(record, entry);
      this.records.add(entry.ref);
      this.finalizer.register(record, entry, record);
    }
    const blocks = entry.blocks;
    const previous = blocks.get(name);
    if (previous !== undefined && previous !== block) previous.free();
    blocks.set(name, block);
    (record as Record<string, unknown>)[name] = block.view();
  }

  /**
   * Moves the Float32Array in `record[name]` into `arena`: a new block
   * receives a copy and the property its view. Does nothing if the property
   * is resident already.
   * @returns false when the arena is full; the property is then left as it was.
   */
  adopt(record: Record<string, unknown>, name: string, arena: Arena): boolean {
    if (this.blockOf(record, name) !== undefined) return true;
    const block = arena.allocate((record[name] as Float32Array).length);
    if (block === null) return false;
    // Read the array after allocating: the allocation may have grown the memory.
    block.view().set(record[name] as Float32Array);
    this.attach(record, name, block);
    return true;
  }

  /**
   * Replaces every resident property of `record` with an ordinary
   * Float32Array holding a copy of its values, and frees the blocks.
   */
  releaseAll(record: object): void {
    const entry = this.entries.get(record);
    if (entry === undefined) return;
    this.entries.delete(record);
    this.records.delete(entry.ref);
    this.finalizer.unregister(record);
    for (const [name, block] of entry.blocks) {
      const view = block.view();
      const fields = record as Record<string, unknown>;
      if (fields[name] === view) fields[name] = view.slice();
      block.free();
    }
  }

  /** Writes fresh views into every resident property after the memory grew. */
  private refresh(): void {
    for (const ref of this.records) {
      const record = ref.deref() as Record<string, unknown> | undefined;
      const blocks =
        record === undefined ? undefined : this.entries.get(record)?.blocks;
      if (record === undefined || blocks === undefined) {
        this.records.delete(ref);
        continue;
      }
      for (const [name, block] of blocks) {
        if (record[name] === block.staleView()) {
          record[name] = block.view();
        } else {
          blocks.delete(name);
          block.free();
        }
      }
    }
  }
}
