#!/usr/bin/env bash
# End-to-end smoke of the TUI in a real terminal (tmux): starts it, waits for the key list,
# moves, opens help, quits, and checks the exit code. Usage: tests/tui-e2e.sh [COMMAND...]
# (default: the tui_demo example, which makes its own temp data).
set -euo pipefail
command -v tmux >/dev/null || { echo "tmux is needed: apt-get install tmux" >&2; exit 1; }
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  cargo build --quiet --example tui_demo
  set -- target/debug/examples/tui_demo
fi
S="rillmount-e2e-$$"
tmux new-session -d -s "$S" -x 100 -y 30 "$*; echo EXITED:\$?; sleep 5"
trap 'tmux kill-session -t "$S" 2>/dev/null || true' EXIT
wait_for() {
  for _ in $(seq 1 100); do
    tmux capture-pane -p -t "$S" | grep -q -- "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  tmux capture-pane -p -t "$S" >&2
  exit 1
}
wait_for "keys ("
tmux send-keys -t "$S" j Enter
wait_for "loaded"
tmux send-keys -t "$S" '?'
wait_for "help — "
tmux send-keys -t "$S" Escape
sleep 0.3
tmux send-keys -t "$S" q
wait_for "EXITED:0"
echo "tui e2e: ok"
