import { describe, expect, it } from "vitest";
import { Arena } from "./memory.js";

const PAGE = 65536;

function arena(initialPages = 1, maximumPages?: number): Arena {
  const memory = new WebAssembly.Memory({
    initial: initialPages,
    maximum: maximumPages,
  });
  return new Arena(memory, 64);
}

describe("Arena", () => {
  it("aligns blocks to 64 bytes and pads them to whole vectors", () => {
    const a = arena();
    const first = a.allocate(3);
    const second = a.allocate(17);
    expect(first?.offset).toBe(64);
    expect(first?.bytes).toBe(64);
    expect(second?.offset).toBe(128);
    expect(second?.bytes).toBe(128);
    expect(second?.view().length).toBe(17);
  });

  it("hands out zero-filled blocks, also when reusing freed bytes", () => {
    const a = arena();
    const block = a.allocate(100);
    block?.view().fill(7);
    block?.free();
    const again = a.allocate(100);
    expect(again?.offset).toBe(block?.offset);
    expect(Array.from(again?.view() ?? []).every((x) => x === 0)).toBe(true);
  });

  it("merges freed neighbours into one range", () => {
    const a = arena();
    const before = a.freeBytes();
    const blocks = [a.allocate(16), a.allocate(16), a.allocate(16)];
    blocks[0]?.free();
    blocks[2]?.free();
    blocks[1]?.free();
    expect(a.freeBytes()).toBe(before);
    const big = a.allocate((before - 64) / 4);
    expect(big?.offset).toBe(64);
  });

  it("grows the memory and re-derives views", () => {
    const a = arena();
    const small = a.allocate(8);
    const oldView = small?.view() as Float32Array;
    oldView[3] = 42;
    const large = a.allocate(PAGE);
    expect(large).not.toBeNull();
    expect(oldView.length).toBe(0);
    expect(small?.view()[3]).toBe(42);
    expect(a.blockOf(oldView)).toBe(small);
  });

  it("returns null when the memory cannot grow", () => {
    const a = arena(1, 2);
    expect(a.allocate(PAGE / 8)).not.toBeNull();
    expect(a.allocate(PAGE)).toBeNull();
  });

  it("knows only whole views of live blocks", () => {
    const a = arena();
    const block = a.allocate(32);
    const view = block?.view() as Float32Array;
    expect(a.blockOf(view)).toBe(block);
    expect(a.blockOf(view.subarray(4))).toBeUndefined();
    expect(a.blockOf(new Float32Array(32))).toBeUndefined();
    block?.free();
    expect(a.blockOf(view)).toBeUndefined();
  });

  it("ignores a second free of the same block", () => {
    const a = arena();
    const block = a.allocate(16);
    block?.free();
    const free = a.freeBytes();
    block?.free();
    expect(a.freeBytes()).toBe(free);
  });
});
