// Lexes every script of the v0.20 corpus with the reference's `tokenize` and writes
// ../tokens.jsonl: {id, tokens: [[TYPE, value, line, column], ...]} or {id, error: {code, line,
// column}}. Run from the checkout's packages/core with REC_CHECKOUT set:
//   node --import tsx --import <recorder>/docs-register.mjs <recorder>/tokens.mts
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tokenize } from '@rill-real';

const here = path.dirname(new URL(import.meta.url).pathname);
const out: string[] = [];
for (const f of ['cases.jsonl', 'docs_cases.jsonl']) {
  for (const line of readFileSync(path.join(here, '..', f), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    try {
      const toks = tokenize(c.script).map((t: any) => [t.type, t.value, t.span.start.line, t.span.start.column]);
      out.push(JSON.stringify({ id: c.id, tokens: toks }));
    } catch (e: any) {
      out.push(JSON.stringify({ id: c.id, error: { code: e.errorId ?? null, line: e.location?.line, column: e.location?.column } }));
    }
  }
}
writeFileSync(path.join(here, '..', 'tokens.jsonl'), out.join('\n') + '\n');
console.log(`lexed ${out.length} scripts`);
