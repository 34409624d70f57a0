// Runs at the end of `npm ci` (the `prepare` script): fails loudly when a native dependency's
// install script did not run (npm 11 may skip install scripts not listed in `allowScripts`).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const problems = [];
try {
  const llvm = require('llvm-bindings');
  if (typeof llvm.LLVMContext !== 'function') problems.push('llvm-bindings loaded but has no LLVMContext');
} catch (e) {
  problems.push(
    `llvm-bindings is not built (${String(e.message).split('\n')[0]}).\n` +
      '  Its install script (cmake-js against the system LLVM 14) must run: check that package.json\n' +
      "  lists it under \"allowScripts\", that llvm-14-dev and cmake are installed, then run 'npm rebuild llvm-bindings'.",
  );
}
if (problems.length > 0) {
  console.error('immutos: native dependency check FAILED:\n- ' + problems.join('\n- '));
  process.exit(1);
}
console.log('immutos: native dependencies OK (llvm-bindings built against LLVM 14)');
