/**
 * The few WebAssembly JS-API entry points tier 2 uses, typed locally (the project compiles
 * with `lib: ES2022` and Node 20's types, which declare no `WebAssembly` global).
 * @module
 */

/** A compiled WebAssembly module (opaque). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** A WebAssembly linear memory. */
export interface WasmMemory {
  /** The memory's bytes (a new buffer after each {@link WasmMemory.grow}). */
  readonly buffer: ArrayBuffer;
  /** Adds `pages` pages of 64 KiB; returns the previous size in pages. */
  grow(pages: number): number;
}

/** An instance: its exports by name. */
export interface WasmInstance {
  /** The exported functions (and other exports) by name. */
  readonly exports: Readonly<Record<string, unknown>>;
}

interface WasmApi {
  Module: { new (bytes: Uint8Array): WasmModule; imports(module: WasmModule): { module: string; name: string; kind: string }[] };
  Memory: new (desc: { initial: number; maximum?: number }) => WasmMemory;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Global: new (desc: { value: 'i32'; mutable: boolean }, init: number) => unknown;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}

/** Node's `WebAssembly` global. */
export const Wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
