/**
 * Allocation of float32 arrays in a WebAssembly memory.
 *
 * A WebAssembly memory can only grow, and growing it detaches every typed
 * array that views its old buffer (their length becomes 0). So an allocation
 * is a {@link Float32Block}, an offset and a length, and code calls the
 * block's {@link Float32Block.view} each time instead of keeping an array.
 */

const PAGE_BYTES = 65536;
/** Block alignment: one cache line, and a multiple of the 16-byte SIMD vector. */
const ALIGNMENT = 64;
/** wasm32 addresses at most 4 GiB, 65536 pages. */
const MAX_PAGES = 65536;

/** A float32 array at a fixed place in an {@link Arena}'s memory. */
export class Float32Block {
  private cached: Float32Array | null = null;
  /** The arena's {@link Arena.generation} when `cached` was made. */
  private cachedGeneration = -1;
  private released = false;

  constructor(
    private readonly arena: Arena,
    /** Byte address of element 0, a multiple of 64. */
    readonly offset: number,
    /** Number of elements the view shows. */
    readonly length: number,
    /**
     * Bytes reserved: the length rounded up to whole 4-lane vectors and then
     * to the alignment, so a kernel may read and write the padding lanes.
     */
    readonly bytes: number,
  ) {}

  /** Whether {@link Arena.free} has returned the block to the arena. */
  get freed(): boolean {
    return this.released;
  }

  /**
   * Returns a Float32Array over the block in the memory's current buffer.
   * The same array comes back until the memory grows.
   */
  view(): Float32Array {
    if (
      this.cached === null ||
      this.cachedGeneration !== this.arena.generation
    ) {
      this.cached = new Float32Array(
        this.arena.buffer,
        this.offset,
        this.length,
      );
      this.cachedGeneration = this.arena.generation;
      this.arena.remember(this.cached, this);
    }
    return this.cached;
  }

  /**
   * Returns the view {@link view} returned last, without re-deriving it:
   * after the memory grew, the array that holders of the block still have.
   */
  staleView(): Float32Array | null {
    return this.cached;
  }

  /** Returns the block to its arena; see {@link Arena.free}. */
  free(): void {
    this.arena.free(this);
  }

  /** Called by the arena only. */
  markFreed(): void {
    this.released = true;
    this.cached = null;
  }
}

interface FreeRange {
  start: number;
  end: number;
}

/**
 * A first-fit allocator over a WebAssembly memory, from byte `start` up.
 * Blocks come zero-filled. When no free range fits, the memory grows by the
 * missing pages or by an eighth of its size, whichever is more.
 */
export class Arena {
  /**
   * The memory's current buffer. Reading `memory.buffer` calls into the
   * engine, which is slow enough to matter once per array per step, and the
   * buffer changes only when {@link grow} grows the memory.
   */
  buffer: ArrayBuffer;
  /** Counts the times the memory grew, so views can tell whether they are stale. */
  generation = 0;
  private readonly freeRanges: FreeRange[] = [];
  private readonly growListeners: Array<() => void> = [];
  private readonly blocksByView = new WeakMap<Float32Array, Float32Block>();

  /**
   * @param memory A memory that only this arena grows.
   * @param start The first byte the arena may hand out.
   */
  constructor(
    readonly memory: WebAssembly.Memory,
    start: number,
  ) {
    this.buffer = memory.buffer;
    const first = roundUp(start, ALIGNMENT);
    const end = memory.buffer.byteLength;
    if (first < end) this.freeRanges.push({ start: first, end });
  }

  /**
   * Reserves a zero-filled block of `length` elements.
   * @returns The block, or null when the memory cannot grow enough (wasm32
   *   memories stop at 4 GiB, and an engine may set a lower limit).
   */
  allocate(length: number): Float32Block | null {
    const bytes = roundUp(roundUp(Math.max(length, 1), 4) * 4, ALIGNMENT);
    let index = this.freeRanges.findIndex(
      (range) => range.end - range.start >= bytes,
    );
    if (index < 0) {
      if (!this.grow(bytes)) return null;
      index = this.freeRanges.length - 1;
    }
    const range = this.freeRanges[index];
    const block = new Float32Block(this, range.start, length, bytes);
    range.start += bytes;
    if (range.start === range.end) this.freeRanges.splice(index, 1);
    new Uint8Array(this.buffer, block.offset, bytes).fill(0);
    return block;
  }

  /** Returns `block`'s bytes to the free list. Freeing a block twice does nothing. */
  free(block: Float32Block): void {
    if (block.freed) return;
    block.markFreed();
    const start = block.offset;
    const end = start + block.bytes;
    let index = 0;
    while (
      index < this.freeRanges.length &&
      this.freeRanges[index].start < start
    )
      index++;
    this.freeRanges.splice(index, 0, { start, end });
    // Merge with the following range, then with the preceding one.
    const next = this.freeRanges[index + 1];
    if (next !== undefined && next.start === end) {
      this.freeRanges[index].end = next.end;
      this.freeRanges.splice(index + 1, 1);
    }
    const previous = this.freeRanges[index - 1];
    if (previous !== undefined && previous.end === start) {
      previous.end = this.freeRanges[index].end;
      this.freeRanges.splice(index, 1);
    }
  }

  /**
   * Returns the live block whose {@link Float32Block.view} returned `array`,
   * even if the memory has grown since; undefined for any other array,
   * including a subarray of a block's view.
   */
  blockOf(array: Float32Array): Float32Block | undefined {
    const block = this.blocksByView.get(array);
    return block === undefined || block.freed ? undefined : block;
  }

  /** Calls `listener` each time the memory has grown, before the allocation that grew it returns. */
  onGrow(listener: () => void): void {
    this.growListeners.push(listener);
  }

  /** Bytes in free ranges, for tests and diagnostics. */
  freeBytes(): number {
    return this.freeRanges.reduce(
      (sum, range) => sum + range.end - range.start,
      0,
    );
  }

  /** Called by {@link Float32Block.view} only. */
  remember(view: Float32Array, block: Float32Block): void {
    this.blocksByView.set(view, block);
  }

  /** Grows the memory until the last free range has room for `bytes`. Returns false if it cannot. */
  private grow(bytes: number): boolean {
    const top = this.buffer.byteLength;
    const last = this.freeRanges[this.freeRanges.length - 1];
    const available =
      last !== undefined && last.end === top ? top - last.start : 0;
    const pages = top / PAGE_BYTES;
    const needed = Math.ceil((bytes - available) / PAGE_BYTES);
    const added = Math.min(
      Math.max(needed, Math.ceil(pages / 8)),
      MAX_PAGES - pages,
    );
    if (added < needed) return false;
    try {
      this.memory.grow(added);
    } catch {
      // The engine refused (RangeError): its limit is below 4 GiB or address space ran out.
      if (added === needed) return false;
      try {
        this.memory.grow(needed);
      } catch {
        return false;
      }
    }
    this.buffer = this.memory.buffer;
    this.generation += 1;
    const newTop = this.buffer.byteLength;
    if (available > 0) last.end = newTop;
    else this.freeRanges.push({ start: top, end: newTop });
    for (const listener of this.growListeners) listener();
    return true;
  }
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
