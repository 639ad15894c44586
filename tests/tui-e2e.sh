#!/usr/bin/env bash
# End to end: the real `rillmount tui` binary in a real terminal (tmux) on a COPY of the
# bundled demo profile (profiles/demo.toml + assets/demo, copied to a temp folder so the
# committed demo is never modified). Opens, browses to a key, previews it, edits it (typed
# confirmation: demo is `protect = true`), runs a snippet in the scratchpad (dry run, apply,
# then F2: the same scratchpad as rill 0.8),
# plans a migration (plan only, nothing copied), quits. Every step polls capture-pane; no
# fixed sleeps. Usage: tests/tui-e2e.sh (builds target/debug/rillmount first).
set -euo pipefail
command -v tmux >/dev/null || { echo "tmux is needed: apt-get install tmux" >&2; exit 1; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo build --quiet --bin rillmount
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/rillmount"

TMP="$(mktemp -d)"
S="rillmount-e2e-$$"
cleanup() {
  tmux kill-session -t "$S" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$TMP/profiles" "$TMP/assets" "$TMP/state" "$TMP/config"
cp profiles/demo.toml "$TMP/profiles/demo.toml"
cp -R assets/demo "$TMP/assets/demo"
ORIG_SUM="$(cat assets/demo/user.json | sha256sum)"

# State (scratchpad history) and config (keymap, profiles) in the temp folder too.
tmux new-session -d -s "$S" -x 100 -y 30 \
  "cd '$ROOT' && XDG_STATE_HOME='$TMP/state' XDG_CONFIG_HOME='$TMP/config' \
   '$BIN' tui -p '$TMP/profiles/demo.toml'; echo EXITED:\$?; sleep 30"

screen() { tmux capture-pane -p -t "$S"; }
wait_for() {
  for _ in $(seq 1 200); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.05
  done
  echo "timed out waiting for: $1" >&2
  screen >&2
  exit 1
}
keys() { tmux send-keys -t "$S" "$@"; }
text() { tmux send-keys -t "$S" -l "$1"; }
step() { echo "tui e2e: $*"; }

step "open"
wait_for "7 loaded"
step "browse to a key and preview it"
keys Enter
wait_for "Ada Example"
keys j
wait_for "name   theme"
wait_for '"dark"'

step "edit it (typed confirmation on a protected profile)"
keys e
wait_for "edit \`theme\`"
keys End BSpace BSpace BSpace BSpace BSpace BSpace
text '"light"'
keys C-s
wait_for "type \`demo\`"
text demo
keys Enter
wait_for "saved \`theme\` to demo:user"
wait_for '"light"'
grep -q '"theme": "light"' "$TMP/assets/demo/user.json" \
  || { echo "the copy was not written:" >&2; cat "$TMP/assets/demo/user.json" >&2; exit 1; }
[ "$(cat assets/demo/user.json | sha256sum)" = "$ORIG_SUM" ] \
  || { echo "the committed demo changed" >&2; exit 1; }

step "run a snippet in the scratchpad (dry run)"
text ':'
wait_for "scratchpad — demo"
text 'kv.get("user", "theme") -> .upper'
wait_for '.upper'
keys F5
wait_for "dry run ·"
wait_for "LIGHT"
step "  a snippet that writes: dry run diff, then apply (typed confirmation)"
keys End Enter
text 'kv.set("flags", "note", "hi")'
keys F5
wait_for "would write 1 change(s)"
wait_for '(absent) → "hi"'
grep -q '"note"' "$TMP/assets/demo/flags.json" && { echo "the dry run wrote" >&2; exit 1; }
keys F6
wait_for "type \`demo\`"
text demo
keys Enter
wait_for "applied 1 write(s) to profile \`demo\`"
grep -q '"note": "hi"' "$TMP/assets/demo/flags.json" \
  || { echo "apply did not write" >&2; exit 1; }
[ -s "$TMP/state/rillmount/history/demo.rill-0.20.json" ] || { echo "history not saved" >&2; exit 1; }

step "  F2: the same scratchpad runs rill 0.8 (its own history)"
keys F2
wait_for "rill 0.8 (switched; the profile runs 0.20)"
tmux send-keys -t "$S" -N 120 BSpace
text 'kv::get("user", "theme") -> .len'
keys F5
wait_for "value 5"
[ -s "$TMP/state/rillmount/history/demo.rill-0.8.json" ] || { echo "0.8 history not saved" >&2; exit 1; }
keys Escape
wait_for "preview"

step "plan a migration (dry run: plan only)"
text m
wait_for "pick the source mount"
keys Enter
wait_for "pick the destination mount"
keys Enter
wait_for "mirror: off (nothing is deleted)"
keys Escape
wait_for "pick the destination mount"
keys Escape
wait_for "pick the source mount"
keys Escape
wait_for "7 loaded"

step "quit"
text q
wait_for "EXITED:0"

step "find one key among 200k on a Redis mount (a redis-server of its own)"
command -v redis-server >/dev/null || { echo "redis-server is needed: apt-get install redis-server" >&2; exit 1; }
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$TMP/redis.pid" --logfile "$TMP/redis.log"
stop_redis() { [ -s "$TMP/redis.pid" ] && kill "$(cat "$TMP/redis.pid")" 2>/dev/null || true; }
trap 'stop_redis; cleanup' EXIT
for _ in $(seq 1 100); do redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
python3 - "$TMP/load.resp" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        k, v = f"item:{i:06}", '{"n":%d}' % i
        f.write(f"*3\r\n$3\r\nSET\r\n${len(k)}\r\n{k}\r\n${len(v)}\r\n{v}\r\n")
PY
redis-cli -p "$PORT" --pipe < "$TMP/load.resp" | grep -q "errors: 0" || { echo "loading redis failed" >&2; exit 1; }
cat > "$TMP/profiles/big.toml" <<TOML
[kv.items]
backend = "redis"
url = "redis://127.0.0.1:$PORT/0"
prefix = "item:"
maxEntries = 1000000
TOML
tmux kill-session -t "$S" 2>/dev/null || true
tmux new-session -d -s "$S" -x 120 -y 30 \
  "cd '$ROOT' && XDG_STATE_HOME='$TMP/state' XDG_CONFIG_HOME='$TMP/config' \
   '$BIN' tui -p '$TMP/profiles/big.toml'; echo EXITED:\$?; sleep 30"
wait_for "of ≈200k loaded"  # a SCAN page may hold a few more than 200
keys Tab
text /
text 123456
wait_for "(1 found)"
wait_for '"n": 123456'
keys Escape
step "  go to an exact key, listed or not"
text g
text 054321
keys Enter
wait_for '"n": 54321'
text g
text nope
keys Enter
wait_for "no such key \`nope\` in big:items"
text q
wait_for "EXITED:0"
echo "tui e2e: ok"
