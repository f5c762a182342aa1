#!/usr/bin/env bash
# Mixed soak: client credentials, introspection and whole browser logins at
# once, counting every answer by status. The promise it checks: no 5xx,
# and any 5xx the server does answer has its cause in the log.
#
# Usage (from the repository root):
#   bash benches/soak.sh                          # SQLite, 20 s
#   SECONDS_PER_RUN=60 bash benches/soak.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/soak bash benches/soak.sh
#
# Starts `tollgate serve` (release build) on a free loopback port with a
# fresh SQLite database (or the given PostgreSQL database, which must exist
# and be empty), then runs the generator in benches/signin_flood.rs in its
# `soak` mode: CC_CONNS (8) connections asking client-credentials tokens,
# INTROSPECT_CONNS (8) introspecting, FLOWS (2) loops of authorize → login
# page → sign-in → consent → code redemption. Prints one RESULT line per
# stream, then the 5xx count and the server's error lines.
#
# Environment:
#   SECONDS_PER_RUN     length of the run                              [20]
#   CC_CONNS, INTROSPECT_CONNS, FLOWS                                  [8, 8, 2]
#   DATABASE_URL        the server's database                [fresh SQLite]
#   CARGO_TARGET_DIR    honoured for the build and the binary's path
set -euo pipefail

SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir=$root/$target_dir ;; esac

echo "== cargo build --release" >&2
cargo build --release --bin tollgate
generator=$(cargo bench --bench signin_flood --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)
case "$generator" in /*) ;; *) generator=$root/$generator ;; esac
[ -x "$generator" ] || { echo "soak.sh: no load generator built" >&2; exit 1; }
bin=$target_dir/release/tollgate

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-soak.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(( 20000 + RANDOM % 20000 ))
export TOLLGATE_BIND=127.0.0.1:$port
export TOLLGATE_ISSUER=http://127.0.0.1:$port
export TOLLGATE_DATABASE_URL=${DATABASE_URL:-sqlite://$tmp/tollgate.db}
export TOLLGATE_LOG_FILTER=${TOLLGATE_LOG_FILTER:-warn}
# The flows sign one user in from one address again and again: what is
# measured is the server under mixed load, not the throttle.
export TOLLGATE_LOGIN_MAX_FAILURES=${TOLLGATE_LOGIN_MAX_FAILURES:-1000}
base=http://127.0.0.1:$port
password='correct horse battery'
redirect=http://127.0.0.1:9/callback

echo "$password" | "$bin" user create --username alice --password-stdin >/dev/null
json_field() { sed -n "s/.*\"$1\" *: *\"\\([^\"]*\\)\".*/\\1/p"; }
svc=$("$bin" client create --name svc --grant-type client_credentials --scope read --introspect-for "$TOLLGATE_ISSUER" --json)
web=$("$bin" client create --name web --public --redirect-uri "$redirect" --scope profile --json)
export CC_ID=$(echo "$svc" | json_field client_id) CC_SECRET=$(echo "$svc" | json_field client_secret)
export WEB_CLIENT_ID=$(echo "$web" | json_field client_id) WEB_REDIRECT=$redirect

"$bin" serve >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
    sleep 0.2
done

results=$(env TARGET="$base" SECONDS_PER_RUN="$SECONDS_PER_RUN" MODE=soak "$generator" | grep '^RESULT')
echo "$results"
fivexx=$(echo "$results" | { grep -o '5[0-9][0-9]: [0-9]*' || true; } | awk '{ n += $2 } END { print n + 0 }')
echo "5xx answers: $fivexx"
echo "server error lines: $(grep -c ' ERROR ' "$tmp/server.log" || true)"
grep ' ERROR ' "$tmp/server.log" | head -5 || true
[ "$fivexx" -eq 0 ]
