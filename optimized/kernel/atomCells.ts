/**
 * Where each atom's current value word and stamp live: the narrow seam between the atom
 * semantics (atoms.ts: capabilities, validators, watches) and the memory that holds the cells.
 * Every read and write of an atom's cell goes through {@link AtomCells}; nothing else touches an
 * atom slot (ADR 0034).
 * @module
 */
import type { Heap } from '../heap/Heap.js';
import type { Collector } from '../gc/Collector.js';

/** The cells of the atoms: a value word and a stamp per atom id. */
export interface AtomCells {
  /** A new atom holding value word `word` with stamp `stamp` → its id. */
  create(word: number, stamp: number): number;
  /** The value word atom `id` holds. */
  word(id: number): number;
  /** Atom `id`'s stamp (how many writes it has seen, counting from the stamp it was created with). */
  stamp(id: number): number;
  /** Points atom `id` at `word` and advances its stamp by one. @see GC.tla StoreAtom */
  write(id: number, word: number): void;
  /** Overwrites atom `id`'s value word, stamp unchanged, with no barrier (only the seeded bug `in-place-update-shared` does this). */
  clobber(id: number, word: number): void;
}

/** Atom cells in the heap's backend memory: slot `s` holds the value word, `s + 1` the stamp; writes pass the collector's barrier. */
export class HeapAtomCells implements AtomCells {
  /** Cells of `heap`, written through `collector`'s barrier. */
  constructor(
    private readonly heap: Heap,
    private readonly collector: Collector,
  ) {}

  /** {@inheritDoc AtomCells.create} */
  create(word: number, stamp: number): number {
    return this.heap.newAtom(word, stamp);
  }

  /** {@inheritDoc AtomCells.word} */
  word(id: number): number {
    return this.heap.mem.load32(this.heap.atomSlot(id));
  }

  /** {@inheritDoc AtomCells.stamp} */
  stamp(id: number): number {
    return this.heap.mem.load32(this.heap.atomSlot(id) + 1);
  }

  /** {@inheritDoc AtomCells.write} */
  write(id: number, word: number): void {
    const m = this.heap.mem;
    const s = this.heap.atomSlot(id);
    this.collector.barrier(m.load32(s));
    m.store32(s, word);
    m.store32(s + 1, m.load32(s + 1) + 1);
  }

  /** {@inheritDoc AtomCells.clobber} */
  clobber(id: number, word: number): void {
    this.heap.mem.store32(this.heap.atomSlot(id), word);
  }
}
