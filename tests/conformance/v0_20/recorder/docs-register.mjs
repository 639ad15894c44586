// Preloaded before test-examples.ts: installs docs-hooks.mjs and tells the
// shim which docs block a script came from (`<file>.md:<line>`, the line after
// the opening fence, as test-examples.ts counts it).
import { register } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

register('./docs-hooks.mjs', import.meta.url);

const checkout = process.env.REC_CHECKOUT ?? process.cwd();
const docsDir = path.join(checkout, 'docs');
const byCode = new Map();
for (const f of fs.readdirSync(docsDir).filter((n) => n.endsWith('.md')).sort()) {
  const lines = fs.readFileSync(path.join(docsDir, f), 'utf8').split('\n');
  let start = -1;
  let body = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (start < 0 && t.startsWith('```rill')) {
      start = i + 1;
      body = [];
    } else if (start >= 0 && t === '```') {
      let code = body.join('\n');
      const fm = code.match(/^---\n([\s\S]*?)\n---\n?([\s\S]*)$/);
      if (fm) code = fm[2];
      if (!byCode.has(code)) byCode.set(code, { source: `docs/${f}`, name: `${f}:${start + 1}` });
      start = -1;
    } else if (start >= 0) body.push(lines[i]);
  }
}
globalThis.__rillRecDocs = (script) => byCode.get(script) ?? { source: 'docs/unknown', name: '' };
globalThis.__rillRecDocBlocks = byCode;
