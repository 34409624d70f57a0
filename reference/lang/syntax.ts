/**
 * The reference interpreter's use of the language's forms (spec/lang/forms.ts): special forms
 * are parsed there, and derived forms expanded there. Here parses and expansions are cached by
 * form identity, and an expansion keeps the position of the form it came from.
 * @module
 */
import type { Position } from '../../spec/codec/Edn.js';
import { List, type Value } from '../../spec/Values.js';
import { expand as expandForm, parseSpecial, type CoreForm } from '../../spec/lang/forms.js';

export { DERIVED_FORMS, SPECIAL_FORMS } from '../../spec/lang/forms.js';

const parsed = new WeakMap<List, CoreForm>();

/** The special form `form`, parsed (raises the form's `program-error` when it is ill-formed). */
export function special(form: List): CoreForm {
  let c = parsed.get(form);
  if (c === undefined) {
    c = parseSpecial(form);
    parsed.set(form, c);
  }
  return c;
}

const cache = new WeakMap<List, Value | undefined>();

/**
 * Expands a derived form (repeatedly) into a special form or call; `undefined` when `form` is
 * not derived. The expansion inherits `form`'s position through `positions`.
 */
export function expand(form: List, positions: WeakMap<object, Position>): Value | undefined {
  let out: Value | undefined = cache.get(form);
  if (out === undefined && !cache.has(form)) {
    out = expandForm(form);
    cache.set(form, out);
  }
  // The cache is shared by kernels; each kernel keeps its own positions.
  const pos = positions.get(form);
  if (pos !== undefined && out instanceof List && !positions.has(out)) positions.set(out, pos);
  return out;
}
