#!/usr/bin/env bash
# Load test of the gateway check beside introspection of the same token and
# the JWKS endpoint (the HTTP-overhead baseline), and the delay from a
# revocation on one instance to its enforcement by another's check.
#
# Usage (from the repository root):
#   bash benches/gateway.sh                            # SQLite, 20 s per run
#   DURATION=10s bash benches/gateway.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bash benches/gateway.sh
#   CARGO_TARGET_DIR=/tmp/tollgate-bench-target bash benches/gateway.sh
#
# Starts `tollgate serve` (release build) on a free loopback port, creates
# a client_credentials client, takes one token, and runs wrk for DURATION
# against GET /gateway/check (Bearer token; requirements audience and scope
# in the query), POST /oauth2/introspect with the same token, and GET
# /.well-known/jwks.json; prints requests/s and p50/p99 of each, and the
# check's rate as a share of the JWKS rate.
#
# With a PostgreSQL DATABASE_URL (an empty database it may use), it then
# starts a second instance on the same database with the same issuer,
# revokes a fresh token at the first instance ROUNDS times, and measures
# how long until the second's check answers 401 (polled every 2 ms).
#
# Environment:
#   DURATION          wrk duration per run (15s, 1m)                [20s]
#   CONNECTIONS       wrk connections                                [64]
#   THREADS           wrk threads                                    [2]
#   DATABASE_URL      sqlite://… (default: a temporary file) or postgres://…
#   ROUNDS            revocation-delay rounds (PostgreSQL only)      [20]
#   CARGO_TARGET_DIR  honoured for the build and the binary's path
#
# Needs cargo, curl, base64, python3 and wrk (the Debian package).
# Note: wrk runs on the same machine as the server and takes CPU from it.
set -euo pipefail

DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-20}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir=$root/$target_dir ;; esac
for tool in cargo curl base64 python3 wrk; do
    command -v "$tool" >/dev/null || { echo "gateway.sh: $tool is required" >&2; exit 1; }
done
case "$DURATION" in
    *s) dur_s=${DURATION%s} ;; *m) dur_s=$(( ${DURATION%m} * 60 )) ;; *) dur_s=$DURATION ;;
esac

echo "== cargo build --release (target dir $target_dir)" >&2
cargo build --release --bin tollgate >&2
bin=$target_dir/release/tollgate

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-gateway.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port=$(free_port)
export TOLLGATE_ISSUER=http://127.0.0.1:$port
export TOLLGATE_DATABASE_URL=${DATABASE_URL:-sqlite://$tmp/tollgate.db}
export TOLLGATE_LOG_FILTER=warn
base=http://127.0.0.1:$port

start() { # port log
    TOLLGATE_BIND=127.0.0.1:$1 "$bin" serve >"$2" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 150); do
        curl -fsS -o /dev/null "http://127.0.0.1:$1/.well-known/jwks.json" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "gateway.sh: the server on $1 did not come up" >&2; cat "$2" >&2; exit 1
}

"$bin" migrate >/dev/null
created=$("$bin" client create --name gateway-bench --grant-type client_credentials --scope read --json)
client_id=$(echo "$created" | sed -n 's/.*"client_id" *: *"\([^"]*\)".*/\1/p')
client_secret=$(echo "$created" | sed -n 's/.*"client_secret" *: *"\([^"]*\)".*/\1/p')
auth=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)
start "$port" "$tmp/a.log"

token() { # base
    curl -fsS -H "Authorization: Basic $auth" -d grant_type=client_credentials "$1/oauth2/token" \
        | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p'
}
tok=$(token "$base")
[ -n "$tok" ] || { echo "gateway.sh: no token" >&2; exit 1; }
audience=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$TOLLGATE_ISSUER")

write_lua() { # file method body header...
    local file=$1 method=$2 body=$3; shift 3
    {
        echo "wrk.method = \"$method\""
        [ -n "$body" ] && echo "wrk.body = \"$body\""
        for h in "$@"; do echo "wrk.headers[\"${h%%:*}\"] = \"${h#*: }\""; done
        cat <<'EOF'
done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("RESULT %.1f %d %d %d %d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
    } >"$file"
}
write_lua "$tmp/check.lua" GET "" "Authorization: Bearer $tok" "X-Original-URI: /notes/1" "X-Original-Method: GET"
write_lua "$tmp/introspect.lua" POST "token=$tok" "Authorization: Basic $auth" \
    "Content-Type: application/x-www-form-urlencoded"
write_lua "$tmp/jwks.lua" GET ""

declare -A rate p50 p99
for name in jwks check introspect; do
    case $name in
        jwks) url=$base/.well-known/jwks.json ;;
        check) url="$base/gateway/check?audience=$audience&scope=read" ;;
        introspect) url=$base/oauth2/introspect ;;
    esac
    echo "== wrk $name: -t $THREADS -c $CONNECTIONS -d $DURATION" >&2
    out=$(timeout $(( dur_s + 60 )) wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 10s \
        --latency -s "$tmp/$name.lua" "$url")
    echo "$out" | grep -v '^RESULT ' >&2
    read -r r a b status errors <<<"$(echo "$out" | sed -n 's/^RESULT //p')"
    [ "$status" = 0 ] && [ "$errors" = 0 ] || { echo "gateway.sh: $name: $status bad statuses, $errors errors" >&2; exit 1; }
    rate[$name]=$r; p50[$name]=$a; p99[$name]=$b
done

echo
echo "| endpoint | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
for name in check introspect jwks; do
    awk -v n="$name" -v r="${rate[$name]}" -v a="${p50[$name]}" -v b="${p99[$name]}" \
        'BEGIN { printf "| %s | %.0f | %.2f ms | %.2f ms |\n", n, r, a / 1000, b / 1000 }'
done
awk -v c="${rate[check]}" -v j="${rate[jwks]}" 'BEGIN { printf "\ncheck / jwks: %.0f %%\n", 100 * c / j }'

case "$TOLLGATE_DATABASE_URL" in postgres*) ;; *) exit 0 ;; esac

# Revocation to enforcement, across two instances on one PostgreSQL.
port_b=$(free_port)
start "$port_b" "$tmp/b.log"
base_b=http://127.0.0.1:$port_b
delays=()
for _ in $(seq 1 "$ROUNDS"); do
    t=$(token "$base")
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" "$base_b/gateway/check")
    [ "$code" = 200 ] || { echo "gateway.sh: the second instance refused a fresh token ($code)" >&2; exit 1; }
    delays+=("$(python3 - "$base" "$base_b" "$auth" "$t" <<'EOF'
import sys, time, urllib.request, urllib.error
base, base_b, auth, tok = sys.argv[1:]
req = urllib.request.Request(base + "/oauth2/revoke", data=("token=" + tok).encode(),
                             headers={"Authorization": "Basic " + auth})
urllib.request.urlopen(req).read()
revoked = time.monotonic()
check = urllib.request.Request(base_b + "/gateway/check", headers={"Authorization": "Bearer " + tok})
while True:
    try:
        urllib.request.urlopen(check).read()
    except urllib.error.HTTPError as e:
        if e.code == 401:
            break
    if time.monotonic() - revoked > 5:
        print("timeout"); sys.exit(0)
    time.sleep(0.002)
print("%.1f" % ((time.monotonic() - revoked) * 1000))
EOF
)")
done
printf '%s\n' "${delays[@]}" | python3 -c '
import sys
d = [l.strip() for l in sys.stdin if l.strip()]
bad = [x for x in d if x == "timeout"]
v = sorted(float(x) for x in d if x != "timeout")
print("\nrevocation at instance A to 401 at instance B (%d rounds): median %.1f ms, max %.1f ms, over 5 s: %d"
      % (len(d), v[len(v) // 2], v[-1], len(bad)))'
