#!/usr/bin/env bash
# Python compatibility suite: builds ipamd, runs it on a free loopback port
# with a throw-away data directory, and drives it with boto3 and the AWS CLI
# (python3 -m unittest; no pytest). Usage: tests/compat/run.sh [unittest args]
set -euo pipefail
cd "$(dirname "$0")/../.."

tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/ipamd" ./cmd/ipamd

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# Many test cases each create their own IPAM in the one development account.
"$tmp/ipamd" serve --listen "127.0.0.1:$port" --data-dir "$tmp/data" --max-ipams 1000 \
  >"$tmp/ipamd.log" 2>&1 &
pid=$!

export IPAMD_ENDPOINT="http://127.0.0.1:$port"
# test_readme.py starts its own server with the default flags.
export IPAMD_BIN="$tmp/ipamd"
healthy() {
  python3 -c 'import os, sys, urllib.request as u
try:
    sys.exit(0 if u.urlopen(os.environ["IPAMD_ENDPOINT"] + "/healthz", timeout=1).status == 200 else 1)
except Exception:
    sys.exit(1)' 2>/dev/null
}
for _ in $(seq 1 100); do
  if healthy; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$tmp/ipamd.log"; echo "ipamd exited" >&2; exit 1; fi
  sleep 0.1
done
healthy || { cat "$tmp/ipamd.log"; echo "ipamd not healthy" >&2; exit 1; }

status=0
python3 -m unittest discover -s tests/compat -t tests/compat -v "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "---- ipamd log (last 50 lines) ----"
  tail -n 50 "$tmp/ipamd.log"
fi
exit "$status"
