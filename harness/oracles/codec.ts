/**
 * The codec oracle: every value that appears in a case (every EDN field of every operation, the
 * forms of every program, every ok outcome, every atom value, register and output line of every
 * observation) is sent through the binary codec (`spec/codec/Binary.ts`) and must come back as itself:
 * decoded, it prints as the same EDN text and is {@link difference identical} to what was read
 * (kinds, `-0.0`, code units); re-encoded, it gives the same bytes (one byte form per value); the
 * value-by-value stream encoder writes the same blob, and the incremental decoder fed the blob
 * in pieces delivers the same values. A program carried as binary (`load` with `binary`) that
 * decodes must re-encode to the same blob and print as text that reads back as the same values.
 *
 * Wired into the differential oracle as a per-step check (`runDifferential`'s `codec` option),
 * so a wrong line in the encoder or decoder shows up as a divergence of `immutos fuzz`. Texts
 * already judged are remembered (across cases, up to a bound), so an unchanged atom costs a set
 * lookup per step and a value is judged once per campaign; the counts are of what was judged.
 * @module
 */
import { Decoder, StreamEncoder, decodeAll, encode, encodeAll, fromBase64, toBase64 } from '../../spec/codec/Binary.js';
import { printEdn, readEdnAll } from '../../spec/codec/Edn.js';
import type { Observation, Outcome } from '../../spec/Kernel.js';
import type { Value } from '../../spec/Values.js';
import type { CaseOp } from '../generators/case.js';
import type { StepHook } from './differential.js';
import { difference } from './identical.js';

/** What a {@link CodecOracle} has checked so far. */
export interface CodecCounts {
  /** Distinct EDN texts (values, programs) sent through encode and decode. */
  readonly texts: number;
  /** Values decoded by the oracle: every scalar, collection, element, key and value. */
  readonly values: number;
  /** Blobs of binary loads decoded and re-encoded. */
  readonly blobs: number;
  /** Texts that were not EDN (malformed inputs: nothing to encode). */
  readonly unreadable: number;
}

/** Texts judged with the canonical codec (a text passes or fails alike in every case): bounded. */
const SHARED_SEEN = new Set<string>();
const SEEN_LIMIT = 20_000;

/** Operation fields that hold one EDN value (or a function's source, which is EDN too). */
const VALUE_FIELDS = ['value', 'expected', 'key', 'fn'] as const;

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 99)}… (${s.length} characters)` : s;
}

/**
 * Checks values against the binary codec and counts them (see the module doc). One instance per
 * case (or per campaign, to sum the counts); {@link CodecOracle.hook} plugs it into
 * `runDifferential`.
 */
export class CodecOracle {
  /**
   * Creates an oracle. `mutants` puts seeded decoder bugs (spec/codec/Binary.ts `CODEC_MUTANTS`) into
   * the decoding it judges with: for meta-tests showing that a broken codec is reported.
   */
  constructor(private readonly mutants: readonly string[] = []) {
    this.seen = mutants.length === 0 ? SHARED_SEEN : new Set<string>();
  }

  /** Texts already judged: shared by every oracle that judges with the canonical codec. */
  private readonly seen: Set<string>;
  private texts = 0;
  private values = 0;
  private blobs = 0;
  private unreadable = 0;

  /** The counts so far. */
  counts(): CodecCounts {
    return { texts: this.texts, values: this.values, blobs: this.blobs, unreadable: this.unreadable };
  }

  /**
   * Checks every value of the EDN text `text` (one or more forms): null when each crosses the
   * codec unchanged, else what went wrong. Text that is not EDN is counted and passes.
   */
  checkText(text: string): string | null {
    if (this.seen.has(text)) return null;
    let forms: Value[];
    try {
      forms = readEdnAll(text);
    } catch {
      this.unreadable++;
      this.remember(text);
      return null;
    }
    this.texts++;
    const bad = this.checkForms(forms, text);
    // Only what passed is remembered: a failing value fails again (when the case is shrunk, replayed).
    if (bad === null) this.remember(text);
    return bad;
  }

  /** Checks decoded-and-re-encoded equality for `forms` (read from `text`, for messages). */
  private checkForms(forms: readonly Value[], text: string): string | null {
    let blob: Uint8Array;
    try {
      blob = encodeAll(forms);
    } catch (e) {
      return `codec: the encoder refused ${clip(text)}, which has EDN text: ${(e as Error).message}`;
    }
    const counter = { nodes: 0 };
    let back: Value[];
    try {
      back = decodeAll(blob, { counter, mutants: this.mutants });
    } catch (e) {
      return `codec: the decoder refused the encoding of ${clip(text)}: ${(e as Error).message}`;
    }
    this.values += counter.nodes;
    if (back.length !== forms.length) return `codec: ${clip(text)} (${forms.length} forms) decoded as ${back.length} values`;
    for (let i = 0; i < forms.length; i++) {
      const want = printEdn(forms[i]!);
      const got = printEdn(back[i]!);
      if (got !== want) return `codec: ${clip(want)} came back from encode/decode as ${clip(got)}`;
      const d = difference(forms[i]!, back[i]!);
      if (d !== null) return `codec: ${clip(want)} came back from encode/decode changed ${d}`;
    }
    const again = encodeAll(back);
    if (!sameBytes(again, blob)) return `codec: ${clip(text)} re-encoded after decoding gives other bytes (${again.length} vs ${blob.length})`;
    if (forms.length === 1 && !sameBytes(encode(forms[0]!), blob)) return `codec: encode and encodeAll disagree on ${clip(text)}`;
    // The value-by-value stream encoder writes the same blob (it writes nothing, not even the header, for no values).
    const enc = new StreamEncoder();
    const parts = forms.map((f) => enc.encode(f));
    if (forms.length > 0 && !sameBytes(concat(parts), blob)) return `codec: the stream encoder wrote another blob for ${clip(text)}`;
    // The incremental decoder, fed the blob in three pieces, delivers the same values.
    const dec = new Decoder({ mutants: this.mutants });
    const a = Math.floor(blob.length / 3);
    const b = Math.floor((2 * blob.length) / 3) + (text.length % 5);
    let streamed: Value[];
    try {
      streamed = [...dec.push(blob.subarray(0, a)), ...dec.push(blob.subarray(a, Math.min(b, blob.length))), ...dec.push(blob.subarray(Math.min(b, blob.length))), ...dec.end()];
    } catch (e) {
      return `codec: the incremental decoder refused the encoding of ${clip(text)}: ${(e as Error).message}`;
    }
    if (streamed.length !== forms.length) return `codec: the incremental decoder delivered ${streamed.length} values for ${forms.length} forms of ${clip(text)}`;
    for (let i = 0; i < forms.length; i++) {
      const d = difference(forms[i]!, streamed[i]!);
      if (d !== null) return `codec: the incremental decoder changed ${clip(printEdn(forms[i]!))} ${d}`;
    }
    return null;
  }

  /**
   * Checks the blob of a binary load: when it decodes, it re-encodes to the same base64 text (the
   * decoder accepts only canonical blobs) and its forms cross the codec unchanged. A blob that does
   * not decode passes (kernels must refuse it alike; the differential oracle judges that).
   */
  checkBlob(base64: string): string | null {
    const key = `\u0000binary:${base64}`;
    if (this.seen.has(key)) return null;
    const bad = this.judgeBlob(base64);
    if (bad === null) this.remember(key);
    return bad;
  }

  private judgeBlob(base64: string): string | null {
    let forms: Value[];
    try {
      forms = decodeAll(fromBase64(base64), { mutants: this.mutants });
    } catch {
      return null;
    }
    this.blobs++;
    const again = toBase64(encodeAll(forms));
    if (again !== base64) return `codec: a binary program decoded and re-encoded gives another blob (${clip(again)} vs ${clip(base64)})`;
    // What the decoder accepts has EDN text: printed, it reads back as the same values.
    const text = forms.map(printEdn).join(' ');
    let read: Value[];
    try {
      read = readEdnAll(text);
    } catch (e) {
      return `codec: a binary program decoded to values that print as text the reader refuses (${clip(text)}): ${(e as Error).message}`;
    }
    for (let i = 0; i < forms.length; i++) {
      const d = difference(forms[i]!, read[i]!);
      if (d !== null) return `codec: a binary program decoded to ${clip(printEdn(forms[i]!))}, which reads back from its text changed ${d}`;
    }
    return this.checkForms(forms, text);
  }

  private remember(key: string): void {
    if (this.seen.size >= SEEN_LIMIT) this.seen.clear();
    this.seen.add(key);
  }

  /** Checks every EDN field of `op` (values, keys, functions, program text or blob). */
  checkOp(op: CaseOp): string | null {
    const o = op as { readonly [field: string]: unknown };
    for (const f of VALUE_FIELDS) {
      const t = o[f];
      if (typeof t === 'string') {
        const bad = this.checkText(t);
        if (bad !== null) return bad;
      }
    }
    if (o.op === 'load') {
      if (typeof o.binary === 'string') return this.checkBlob(o.binary);
      if (typeof o.program === 'string') return this.checkText(o.program);
    }
    return null;
  }

  /** Checks an outcome's value (when ok) and every value of an observation. */
  checkResult(outcome: Outcome, after: Observation): string | null {
    if (outcome.ok) {
      const bad = this.checkText(outcome.value);
      if (bad !== null) return bad;
    }
    for (const p of after.processes) {
      for (const a of p.atoms) {
        const bad = this.checkText(a.value);
        if (bad !== null) return bad;
      }
      for (const r of p.registers ?? []) {
        const bad = this.checkText(r.value);
        if (bad !== null) return bad;
      }
      for (const line of p.output) {
        const bad = this.checkText(line);
        if (bad !== null) return bad;
      }
    }
    return null;
  }

  /** This oracle as a per-step hook of the differential oracle. */
  readonly hook: StepHook = (_kernel, op, outcome, _before, after) => this.checkOp(op) ?? this.checkResult(outcome, after);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
