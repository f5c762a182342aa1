#!/usr/bin/env bash
# Load test of the token and introspection endpoints, per signing algorithm.
#
# Usage (from the repository root):
#   bash benches/load.sh                   # RS256 ES256 EdDSA, 20 s per run
#   DURATION=15s bash benches/load.sh RS256 EdDSA
#   CARGO_TARGET_DIR=/tmp/tollgate-bench-target bash benches/load.sh
#
# For each algorithm: starts `tollgate serve` (release build) on a free
# loopback port with a fresh SQLite database in a temporary directory,
# creates a client_credentials client, runs wrk for DURATION against
# POST /oauth2/token, then against POST /oauth2/introspect with one token
# obtained beforehand, reads the server's peak RSS (VmHWM), stops it, and
# prints a summary table. Everything stays on 127.0.0.1.
#
# Environment:
#   DURATION            wrk duration per run (wrk syntax: 15s, 1m)    [20s]
#   CONNECTIONS         wrk connections                                [64]
#   THREADS             wrk threads                                    [2]
#   TOLLGATE_LOG_FILTER server log filter (compare with `off`)         [warn]
#   SIGN_BENCH          1: first run the criterion `sign/` benches
#                       briefly and report tokens/s against
#                       2 x single-core signatures/s; 0: skip          [1]
#   CARGO_TARGET_DIR    honoured for the build and the binary's path
#
# Needs cargo, curl, base64 and wrk (installed with apt-get if missing).
# Note: wrk runs on the same machine as the server and takes CPU from it.
set -euo pipefail

DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
LOG_FILTER=${TOLLGATE_LOG_FILTER:-warn}
SIGN_BENCH=${SIGN_BENCH:-1}
if [ "$#" -gt 0 ]; then ALGS=("$@"); else ALGS=(RS256 ES256 EdDSA); fi

for alg in "${ALGS[@]}"; do
    case "$alg" in
        RS256 | ES256 | EdDSA) ;;
        *) echo "load.sh: unknown algorithm $alg (RS256, ES256 or EdDSA)" >&2; exit 2 ;;
    esac
done

# wrk's duration in whole seconds, to bound each run with `timeout`.
case "$DURATION" in
    *s) dur_s=${DURATION%s} ;;
    *m) dur_s=$(( ${DURATION%m} * 60 )) ;;
    *[0-9]) dur_s=$DURATION ;;
    *) echo "load.sh: DURATION must look like 15s, 1m or 20" >&2; exit 2 ;;
esac
case "$dur_s" in '' | *[!0-9]*) echo "load.sh: bad DURATION $DURATION" >&2; exit 2 ;; esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir=$root/$target_dir ;; esac

for tool in cargo curl base64; do
    command -v "$tool" >/dev/null || { echo "load.sh: $tool is required" >&2; exit 1; }
done
if ! command -v wrk >/dev/null; then
    echo "== installing wrk (Debian package)" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
    ${sudo[@]+"${sudo[@]}"} apt-get update
    ${sudo[@]+"${sudo[@]}"} apt-get install -y wrk
fi

echo "== cargo build --release (target dir $target_dir)" >&2
cargo build --release --bin tollgate
bin=$target_dir/release/tollgate
[ -x "$bin" ] || { echo "load.sh: no binary at $bin" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-load.XXXXXX")
server_pid=
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}
cleanup() {
    stop_server
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A loopback port nothing listens on.
free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$(( 20000 + RANDOM % 20000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "load.sh: no free port found" >&2
    return 1
}

# Server CPU time (user + system), in clock ticks.
cpu_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat")
    stat=${stat##*) }  # fields from the 3rd on (the name may hold spaces)
    # shellcheck disable=SC2086
    set -- $stat
    echo $(( ${12} + ${13} ))
}
hz=$(getconf CLK_TCK)

# wrk script: fixed request; done() prints one machine-readable line.
write_lua() { # file body auth
    cat >"$1" <<EOF
wrk.method = "POST"
wrk.body = "$2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $3"

done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("RESULT %.1f %d %d %d %d %d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
}

# Runs wrk, shows its output, leaves the RESULT fields in $result.
run_wrk() { # label lua url
    local out
    echo "== wrk $1: -t $THREADS -c $CONNECTIONS -d $DURATION --latency" >&2
    out=$(timeout $(( dur_s + 60 )) wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" \
        --timeout 10s --latency -s "$2" "$3")
    echo "$out" | grep -v '^RESULT ' >&2
    result=$(echo "$out" | sed -n 's/^RESULT //p')
    [ -n "$result" ] || { echo "load.sh: wrk printed no result" >&2; exit 1; }
}

fmt_ms() { awk -v us="$1" 'BEGIN { printf "%.2fms", us / 1000 }'; }

# Optional: single-core signing rate per algorithm, from criterion.
declare -A sign_rate=()
if [ "$SIGN_BENCH" = 1 ]; then
    echo "== cargo bench --bench signing -- sign/ (brief)" >&2
    cargo bench --bench signing -- --warm-up-time 1 --measurement-time 3 'sign/' >&2
    for alg in "${ALGS[@]}"; do
        est=$target_dir/criterion/sign_$alg/sign_jwt/new/estimates.json
        if [ -f "$est" ]; then
            ns=$(grep -o '"median":{"confidence_interval":{[^}]*},"point_estimate":[0-9.eE+-]*' "$est" \
                | sed 's/.*"point_estimate"://')
            [ -n "$ns" ] && sign_rate[$alg]=$(awk -v ns="$ns" 'BEGIN { printf "%.0f", 1e9 / ns }')
        fi
    done
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a rows=()
for alg in "${ALGS[@]}"; do
    dir=$tmp/$alg
    mkdir -p "$dir"
    port=$(free_port)
    export TOLLGATE_BIND=127.0.0.1:$port
    export TOLLGATE_ISSUER=http://127.0.0.1:$port
    export TOLLGATE_DATABASE_URL=sqlite://$dir/tollgate.db
    export TOLLGATE_SIGNING_ALG=$alg
    export TOLLGATE_LOG_FILTER=$LOG_FILTER
    base=http://127.0.0.1:$port

    created=$("$bin" client create --name load --grant-type client_credentials --scope read --introspect-for "$TOLLGATE_ISSUER" --json)
    client_id=$(echo "$created" | sed -n 's/.*"client_id" *: *"\([^"]*\)".*/\1/p')
    client_secret=$(echo "$created" | sed -n 's/.*"client_secret" *: *"\([^"]*\)".*/\1/p')
    [ -n "$client_id" ] && [ -n "$client_secret" ] \
        || { echo "load.sh: could not read the client from: $created" >&2; exit 1; }
    auth=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)

    echo "== $alg: tollgate serve on $base (log filter $LOG_FILTER)" >&2
    "$bin" serve >"$dir/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 150); do
        curl -fsS -o /dev/null "$base/.well-known/jwks.json" 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
        sleep 0.2
    done
    curl -fsS -o /dev/null "$base/.well-known/jwks.json" \
        || { echo "load.sh: server did not come up" >&2; cat "$dir/server.log" >&2; exit 1; }

    response=$(curl -fsS -X POST -H "Authorization: Basic $auth" \
        -H 'Content-Type: application/x-www-form-urlencoded' \
        --data 'grant_type=client_credentials' "$base/oauth2/token")
    token=$(echo "$response" | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
    [ -n "$token" ] || { echo "load.sh: no token in: $response" >&2; exit 1; }
    check=$(curl -fsS -X POST -H "Authorization: Basic $auth" \
        -H 'Content-Type: application/x-www-form-urlencoded' \
        --data "token=$token" "$base/oauth2/introspect")
    case "$check" in *'"active":true'*) ;; *) echo "load.sh: introspection says $check" >&2; exit 1 ;; esac

    write_lua "$dir/token.lua" "grant_type=client_credentials" "$auth"
    write_lua "$dir/introspect.lua" "token=$token" "$auth"

    t0=$(cpu_ticks "$server_pid")
    run_wrk "$alg token" "$dir/token.lua" "$base/oauth2/token"
    t1=$(cpu_ticks "$server_pid")
    read -r tok_rps tok_p50 tok_p99 tok_n tok_status tok_sock <<<"$result"

    run_wrk "$alg introspect" "$dir/introspect.lua" "$base/oauth2/introspect"
    t2=$(cpu_ticks "$server_pid")
    read -r int_rps int_p50 int_p99 int_n int_status int_sock <<<"$result"

    hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
    stop_server
    if grep -qiE 'error|panic' "$dir/server.log"; then
        echo "== $alg: server log has errors:" >&2
        grep -iE 'error|panic' "$dir/server.log" | head -5 >&2
    fi

    # Server CPU per request (µs) and its share of the 2 cores' time.
    tok_cpu_us=$(awk -v t="$(( t1 - t0 ))" -v hz="$hz" -v n="$tok_n" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
    tok_cpu_pct=$(awk -v t="$(( t1 - t0 ))" -v hz="$hz" -v d="$dur_s" 'BEGIN { printf "%.0f", t / hz / d * 100 }')
    int_cpu_us=$(awk -v t="$(( t2 - t1 ))" -v hz="$hz" -v n="$int_n" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
    rss=$(awk -v kb="$hwm_kb" 'BEGIN { printf "%.1f", kb / 1024 }')
    bad="$((tok_status + int_status))/$((tok_sock + int_sock))"
    vs=-
    if [ -n "${sign_rate[$alg]:-}" ]; then
        vs=$(awk -v r="$tok_rps" -v s="${sign_rate[$alg]}" 'BEGIN { printf "%.0f%%", r / (2 * s) * 100 }')
    fi
    rows+=("$(printf '%-6s %10.0f %9s %9s %10s %7s %12.0f %9s %9s %9s %10s %8s %9s' \
        "$alg" "$tok_rps" "$(fmt_ms "$tok_p50")" "$(fmt_ms "$tok_p99")" \
        "$tok_cpu_us" "$tok_cpu_pct%" \
        "$int_rps" "$(fmt_ms "$int_p50")" "$(fmt_ms "$int_p99")" "$int_cpu_us" \
        "$rss" "$bad" "$vs")")
done

echo
echo "Tollgate load test: wrk -t $THREADS -c $CONNECTIONS -d $DURATION, log filter $LOG_FILTER, $(nproc) CPUs (wrk on the same machine)"
echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (anything above ~$(nproc) also competes for the CPUs)"
if [ "${#sign_rate[@]}" -gt 0 ]; then
    for alg in "${ALGS[@]}"; do
        [ -n "${sign_rate[$alg]:-}" ] && echo "criterion sign/$alg: ${sign_rate[$alg]} signatures/s on one core (median)"
    done
fi
printf '%-6s %10s %9s %9s %10s %7s %12s %9s %9s %9s %10s %8s %9s\n' \
    alg tokens/s p50 p99 "cpu-us/tok" "srv-cpu" introspect/s p50 p99 "cpu-us/i" "RSS-MiB" "non2xx/e" "vs-2xsign"
for row in "${rows[@]}"; do echo "$row"; done
echo "(cpu-us: server CPU time per request; srv-cpu: server CPU during the token run, 200% = both cores;"
echo " RSS-MiB: peak resident set, VmHWM; non2xx/e: non-2xx responses / socket errors;"
echo " vs-2xsign: tokens/s / (2 x single-core signatures/s); the design target is >= 75% for RS256;"
echo " ES256/EdDSA are cheap enough that wrk and HTTP handling, not signing, bound them)"
