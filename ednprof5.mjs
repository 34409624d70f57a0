import { generateEdnShapes } from '/work/main/dist/bench/ednShapes.js';
import { readEdn, printEdn } from '/work/main/dist/spec/codec/Edn.js';
const sh = generateEdnShapes(1, 1).filter(s => s.name === process.argv[2])[0];
const canon = printEdn(sh.value);
globalThis.gc?.();
const t0 = performance.now();
for (let r = 0; r < 40; r++) readEdn(canon);
console.log((performance.now() - t0) / 40);
