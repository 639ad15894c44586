// Vitest config for recording the v0.20.0 corpus: the suites of packages/core
// run unchanged, with `@rcrsr/rill` resolved to the recording shim.
import { defineConfig } from 'vitest/config';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const checkout = process.env.REC_CHECKOUT ?? path.resolve(process.cwd(), '../..');

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@rill-real$/, replacement: path.join(checkout, 'packages/core/src/index.ts') },
      { find: /^@rcrsr\/rill$/, replacement: path.join(here, 'recorder.ts') },
    ],
  },
  test: {
    globals: true,
    environment: 'node',
    root: path.join(checkout, 'packages/core'),
    include: ['tests/{language,runtime,parser}/**/*.test.ts'],
  },
});
