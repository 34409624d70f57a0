import { generateEdnShapes } from '/work/main/dist/bench/ednShapes.js';
import { readEdn } from '/work/main/dist/spec/codec/Edn.js';
const which = process.argv[2];
const t = generateEdnShapes(1, 1).filter(s => s.name === which)[0].text;
const t0 = performance.now();
for (let r = 0; r < 60; r++) readEdn(t);
