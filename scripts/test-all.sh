#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs the servers the tests start
# themselves (redis-server from Debian, moto into a local venv), then lint and tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing redis-server (apt-get)…"
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server
    else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server; fi
fi
if [ ! -x .venv-moto/bin/moto_server ]; then
    echo "installing moto into .venv-moto (pip)…"
    python3 -m venv .venv-moto
    .venv-moto/bin/pip install -q 'moto[server]==5.2.5'
fi
export MOTO_SERVER="$PWD/.venv-moto/bin/moto_server"

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
if [ -x tests/tui-e2e.sh ]; then tests/tui-e2e.sh; fi
