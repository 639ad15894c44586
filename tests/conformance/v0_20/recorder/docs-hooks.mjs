// Node module hooks for recording the docs examples: the reference's own
// scripts/test-examples.ts runs unchanged, and its `@rcrsr/rill` import
// resolves to the recording shim (which reaches the real module as @rill-real).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const here = path.dirname(new URL(import.meta.url).pathname);
const checkout = process.env.REC_CHECKOUT ?? process.cwd();

export async function resolve(specifier, context, next) {
  if (specifier === '@rcrsr/rill') return { url: pathToFileURL(path.join(here, 'recorder.ts')).href, shortCircuit: true };
  if (specifier === '@rill-real')
    return { url: pathToFileURL(path.join(checkout, 'packages/core/src/index.ts')).href, shortCircuit: true };
  return next(specifier, context);
}
