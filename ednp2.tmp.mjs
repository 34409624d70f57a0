import { generateEdnShapes } from '/work/main/dist/bench/ednShapes.js';
import { readEdn } from '/work/main/dist/spec/codec/Edn.js';
const s = generateEdnShapes(1, 1).find(s => s.name === (process.argv[2] ?? 'symbol-set'));
const ts=[];
for (let r = 0; r < +(process.argv[3]??40); r++) { const t0 = performance.now(); readEdn(s.text); ts.push(performance.now()-t0); }
ts.sort((a,b)=>a-b); console.log(s.name, 'min', ts[0].toFixed(1), 'med', ts[ts.length>>1].toFixed(1));
