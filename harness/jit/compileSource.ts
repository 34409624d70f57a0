/**
 * Test and benchmark support for tier 2: compiles a program's source with the optimized front
 * end and resolves its top-level `defn`s, as the kernel's namespace would.
 * @module
 */
import { readEdnForms } from '../../spec/codec/Edn.js';
import { Sym } from '../../spec/Values.js';
import { Compiler, type Lambda, type Node } from '../../optimized/lang/front.js';
import type { Resolver } from '../../optimized/jit/tier2/eligible.js';

/** A compiled program: its top-level functions by name and a resolver over them. */
export interface SourceProgram {
  /** Functions defined at top level with `(def name (fn …))`/`defn`, by name. */
  readonly fns: ReadonlyMap<string, Lambda>;
  /** Names a defined function, or any other name as a native of that name. */
  readonly resolve: Resolver;
}

function collectDefs(n: Node, out: Map<string, Lambda>): void {
  if (n.t === 'do') n.body.forEach((x) => collectDefs(x, out));
  else if (n.t === 'def' && n.value !== null && n.value.t === 'fn') out.set(n.sym.name, n.value.lambda);
}

/** Compiles `source` (top-level forms) and collects its top-level function definitions. */
export function compileSource(source: string): SourceProgram {
  const { forms, positions } = readEdnForms(source);
  const program = new Compiler(positions).program(forms);
  const fns = new Map<string, Lambda>();
  collectDefs(program.main.body, fns);
  const resolve: Resolver = (sym: Sym) => {
    const l = sym.ns === null ? fns.get(sym.name) : undefined;
    return l !== undefined ? { lambda: l } : { native: sym.fullName };
  };
  return { fns, resolve };
}
