#!/usr/bin/env bash
# Sign-in under load: memory under a flood of password grants, and a
# sign-in flood from many addresses against one user's sign-in and the
# client-credentials throughput.
#
# Usage (from the repository root):
#   bash benches/signin.sh
#   SECONDS_PER_RUN=15 bash benches/signin.sh
#
# Starts `tollgate serve` (release build) on a free loopback port with a
# fresh SQLite database, then, with the load generator in
# benches/signin_flood.rs:
#   1. idle RSS;
#   2. 64 connections posting valid password grants for SECONDS_PER_RUN;
#      the server's peak RSS (VmHWM) and its RSS right after and 10 s after;
#   3. client credentials alone (16 connections): the unloaded throughput;
#   4. 20 addresses (127.0.0.10-29) × 4 connections signing in through the
#      login form with a valid password, while one administrator signs in
#      every half second from 127.0.0.250 (its p99 is the figure to read) and
#      16 connections ask client-credentials tokens.
# `login_max_failures` is raised so that the address budget does not end
# the flood early: what is measured is the hashing queue.
#
# Environment:
#   SECONDS_PER_RUN     length of each load run                       [8]
#   TOLLGATE_*          passed to the server (e.g. PASSWORD_HASH_CONCURRENCY)
#   CARGO_TARGET_DIR    honoured for the build and the binary's path
set -euo pipefail

SECONDS_PER_RUN=${SECONDS_PER_RUN:-8}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir=$root/$target_dir ;; esac

echo "== cargo build --release" >&2
cargo build --release --bin tollgate
# The generator runs without cargo: cargo could rebuild under the
# server's TOLLGATE_* environment while the server waits.
generator=$(cargo bench --bench signin_flood --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)
case "$generator" in /*) ;; *) generator=$root/$generator ;; esac
[ -x "$generator" ] || { echo "signin.sh: no load generator built" >&2; exit 1; }
bin=${TOLLGATE_BIN:-$target_dir/release/tollgate}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-signin.XXXXXX")
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
export TOLLGATE_DATABASE_URL=sqlite://$tmp/tollgate.db
export TOLLGATE_LOG_FILTER=${TOLLGATE_LOG_FILTER:-error}
export TOLLGATE_LOGIN_MAX_FAILURES=${TOLLGATE_LOGIN_MAX_FAILURES:-1000}
base=http://127.0.0.1:$port
password='correct horse battery'

echo "$password" | "$bin" user create --username alice --password-stdin >/dev/null
echo "$password" | "$bin" user create --username root --password-stdin --admin >/dev/null
json_field() { sed -n "s/.*\"$1\" *: *\"\\([^\"]*\\)\".*/\\1/p"; }
app=$("$bin" client create --name app --trusted --grant-type password --scope profile --json)
svc=$("$bin" client create --name svc --grant-type client_credentials --scope read --json)
export CLIENT_ID=$(echo "$app" | json_field client_id) CLIENT_SECRET=$(echo "$app" | json_field client_secret)
export CC_ID=$(echo "$svc" | json_field client_id) CC_SECRET=$(echo "$svc" | json_field client_secret)

"$bin" serve >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
    sleep 0.2
done

rss() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }
load() { # mode [VAR=value...]
    env TARGET="$base" SECONDS_PER_RUN="$SECONDS_PER_RUN" MODE="$@" "$generator" | grep '^RESULT'
}

sleep 2
echo "idle: VmRSS $(rss VmRSS) MiB, VmHWM $(rss VmHWM) MiB"
load grants CONNS=64
echo "after the password-grant flood: VmHWM (peak) $(rss VmHWM) MiB, VmRSS $(rss VmRSS) MiB"
sleep 10
echo "10 s later: VmRSS $(rss VmRSS) MiB"
load cc CONNS=16
load flood FLOOD_ADDRS=20 PER_ADDR=4 CC_CONNS=16 VICTIM_USERNAME=root
echo "end: VmHWM $(rss VmHWM) MiB, VmRSS $(rss VmRSS) MiB"
grep -c ' ERROR ' "$tmp/server.log" | sed 's/^/server error lines: /' || true
