import { generateEdnShapes } from '/work/main/dist/bench/ednShapes.js';
import { readEdn, printEdn } from '/work/main/dist/spec/codec/Edn.js';
const which = process.argv[2];
const sh = generateEdnShapes(1, 1).filter(s => s.name === which)[0];
const canon = printEdn(sh.value);
const m = (t) => { for (let r = 0; r < 3; r++) readEdn(t); const a = []; for (let r = 0; r < 15; r++) { const s = performance.now(); readEdn(t); a.push(performance.now() - s); } a.sort((x, y) => x - y); return a[7].toFixed(1); };
console.log(which, 'shuffled', m(sh.text), 'canonical', m(canon));
