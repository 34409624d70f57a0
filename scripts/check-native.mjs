// `npm run check-native`: checks that the optional LLVM tier's native dependency is built here,
// and says why not (npm 11 skips install scripts not listed in `allowScripts`; llvm-bindings
// needs llvm-14-dev and cmake). Without it everything works except the optimized kernel's tier 2.
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
