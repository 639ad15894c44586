// The docs blocks that scripts/test-examples.ts skips as "expected error
// examples" (`# Error:` comments) are run here too, with no host, so the
// corpus holds the errors the docs promise. Run after docs-register.mjs.
import { createRuntimeContext, execute, parse } from '@rcrsr/rill';

const blocks: Map<string, { source: string; name: string }> = (globalThis as any).__rillRecDocBlocks;
let n = 0;

for (const code of blocks.keys()) {
  if (!/# Error:|# ERROR:|# error:/.test(code)) continue;
  n++;
  try {
    await execute(parse(code), createRuntimeContext({ callbacks: { onLog: () => {} } }));
  } catch {
    // recorded by the shim
  }
}
console.log(`ran ${n} error examples`);
