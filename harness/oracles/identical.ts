/**
 * A stricter judge than `equals`: two values are *identical* when they have the same kinds all
 * the way down (a list is not a vector), the same double bits up to NaN (`-0` is not `0`), the
 * same strings code unit for code unit, and maps/sets with the same members in the same order.
 * What a lossless encoding must preserve. Iterative, so deep values are fine.
 * @module
 */
import { kindOf, type Value } from '../../spec/Values.js';

/** Returns null when `a` and `b` are identical, else a short description of the first difference. */
export function difference(a: Value, b: Value): string | null {
  const stack: [Value, Value, string][] = [[a, b, '']];
  while (stack.length > 0) {
    const [x, y, path] = stack.pop()!;
    const kx = kindOf(x);
    const ky = kindOf(y);
    const at = path === '' ? 'at the root' : `at ${path}`;
    if (kx !== ky) return `${at}: ${kx} vs ${ky}`;
    if (x === y) continue;
    switch (kx) {
      case 'double':
        if (!Object.is(x, y) && !(Number.isNaN(x) && Number.isNaN(y))) return `${at}: ${String(x)} vs ${String(y)}`;
        continue;
      case 'nil':
      case 'boolean':
      case 'int':
      case 'string':
        return `${at}: ${String(x)} vs ${String(y)}`;
    }
    const ox = x as Exclude<Value, null | boolean | bigint | number | string>;
    const oy = y as typeof ox;
    switch (ox.kind) {
      case 'char':
        if (ox.ch !== (oy as typeof ox).ch) return `${at}: char ${JSON.stringify(ox.ch)} vs ${JSON.stringify((oy as typeof ox).ch)}`;
        continue;
      case 'keyword':
      case 'symbol':
        if (ox.ns !== (oy as typeof ox).ns || ox.name !== (oy as typeof ox).name) return `${at}: ${ox.fullName} vs ${(oy as typeof ox).fullName}`;
        continue;
      case 'bytes': {
        const p = ox.data;
        const q = (oy as typeof ox).data;
        if (p.length !== q.length || p.some((v, i) => v !== q[i])) return `${at}: bytes differ`;
        continue;
      }
      case 'list':
      case 'vector':
      case 'set': {
        const p = ox.items;
        const q = (oy as typeof ox).items;
        if (p.length !== q.length) return `${at}: ${p.length} vs ${q.length} items`;
        for (let i = 0; i < p.length; i++) stack.push([p[i]!, q[i]!, `${path}[${i}]`]);
        continue;
      }
      case 'map': {
        const p = ox.entries;
        const q = (oy as typeof ox).entries;
        if (p.length !== q.length) return `${at}: ${p.length} vs ${q.length} entries`;
        for (let i = 0; i < p.length; i++) stack.push([p[i]![0], q[i]![0], `${path}{key ${i}}`], [p[i]![1], q[i]![1], `${path}{val ${i}}`]);
        continue;
      }
      case 'tagged':
        if (ox.tag !== (oy as typeof ox).tag) return `${at}: tag ${ox.tag} vs ${(oy as typeof ox).tag}`;
        stack.push([ox.value, (oy as typeof ox).value, `${path}#${ox.tag}`]);
        continue;
      case 'atom':
        if (ox.ref !== (oy as typeof ox).ref) return `${at}: atom ${ox.ref} vs ${(oy as typeof ox).ref}`;
        continue;
      case 'fn':
        if (ox.id !== (oy as typeof ox).id || ox.name !== (oy as typeof ox).name) return `${at}: fn ${ox.id} vs ${(oy as typeof ox).id}`;
        continue;
    }
  }
  return null;
}

/** Whether `a` and `b` are identical (see the module comment). */
export function identical(a: Value, b: Value): boolean {
  return difference(a, b) === null;
}
