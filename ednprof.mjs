import { generateEdnShapes } from '/work/main/dist/bench/ednShapes.js';
import { readEdn } from '/work/main/dist/spec/codec/Edn.js';
import { parseEDNString } from 'edn-data';
const which = process.argv[2];
const shapes = generateEdnShapes(1, 1).filter(s => s.name === which);
const t = shapes[0].text;
const opts = { mapAs: 'map', setAs: 'set', listAs: 'array', keywordAs: 'object', symbolAs: 'object', charAs: 'object' };
for (let r = 0; r < 3; r++) { readEdn(t); parseEDNString(t, opts); }
let a=[],b=[];
for (let r = 0; r < 15; r++) { let s=performance.now(); readEdn(t); a.push(performance.now()-s); s=performance.now(); parseEDNString(t, opts); b.push(performance.now()-s); }
a.sort((x,y)=>x-y); b.sort((x,y)=>x-y);
console.log(which, 'ours', a[7].toFixed(1), 'edn-data', b[7].toFixed(1), 'ratio', (b[7]/a[7]).toFixed(2));
