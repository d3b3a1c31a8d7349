#!/usr/bin/env bash
# Side-by-side overhead benchmark (issue 8): the same fast mock upstream measured directly, through a
# plain nginx reverse proxy (the floor) and through ScaiGrid with authentication, routing, budgets, rate
# limits and accounting all on, next to a plain ASP.NET Core forwarder (bench/forwarder) as the reference. Writes bench/results/latest.md (and prints it).
#
#   bash bench/run.sh                 build, run 3 interleaved rounds, write the table
#   BENCH_SKIP_BUILD=1 bash bench/run.sh   reuse bench/.out/app (BENCH_LABEL names what it was built from)
#
# Knobs (environment): BENCH_ROUNDS (3), BENCH_DURATION (10 s per wrk run), BENCH_TTFB_N (200 streamed
# requests per TTFB sample), BENCH_DEADLINE (900 s: the whole run is killed past it), BENCH_WARMUP (15 s
# per ScaiGrid surface), BENCH_SCALE=1 (the same run on an installation of 1,000 extra tenants with 100,000
# API keys and 1,000 extra frontend models: issue 8's flat-cost check; writes bench/results/scale.md).
# Everything listens on 127.0.0.1 only; every load is time-bounded; the trap stops what was started.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$BENCH")"
OUT="$BENCH/.out"
RESULTS="$BENCH/results"
NGINX_PREFIX="$OUT/nginx"
RAW="$OUT/raw"

ROUNDS="${BENCH_ROUNDS:-3}"
DURATION="${BENCH_DURATION:-10}"
TTFB_N="${BENCH_TTFB_N:-200}"
DEADLINE="${BENCH_DEADLINE:-900}"
# Dynamic PGO takes ~25 s of load on 2 cores to reach steady state (tier-0 code runs at a third of the
# speed); measuring before that would measure the JIT, not the gateway a long-running replica is.
WARMUP_S="${BENCH_WARMUP:-15}"
SCALE="${BENCH_SCALE:-0}"

MOCK_PORT=18081
FLOOR_PORT=18082
SG_PORT=18000
FWD_PORT=18083
KEY="sgk_bench_key_0123456789abcdefghijklmnop"

log() { echo "bench: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }

PIDS=()
WATCHDOG=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Stop exactly what this run started (by pid), newest first: ScaiGrid before the mock it calls.
  local i
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    kill -TERM "${PIDS[i]}" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n "$WATCHDOG" ]]; then kill "$WATCHDOG" 2>/dev/null || true; wait "$WATCHDOG" 2>/dev/null || true; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A hard ceiling on the whole run: a hung step cannot keep load on a shared machine.
# The sleep is the watchdog's own child, so stopping the watchdog early leaves no stray sleep behind.
(
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  sleep "$DEADLINE" & nap=$!
  wait "$nap"
  echo "bench: deadline of ${DEADLINE}s reached, stopping" >&2
  kill -TERM $$
) &
WATCHDOG=$!

# ---------------------------------------------------------------------------------------------- tools
have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]]; }
if ! have nginx || ! have wrk || ! have curl || ! have python3; then
  [[ "$(id -u)" == 0 ]] || die "nginx/wrk/curl/python3 missing and not root: install them first"
  log "installing nginx wrk curl python3 (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # Other worktrees may run apt at the same time: wait for the dpkg lock instead of failing.
  apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends nginx wrk curl python3 >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

for port in "$MOCK_PORT" "$FLOOR_PORT" "$SG_PORT" "$FWD_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "127.0.0.1:$port is already in use (another bench run?)"
  fi
done

mkdir -p "$OUT" "$RESULTS" "$NGINX_PREFIX"
rm -rf "$RAW" && mkdir -p "$RAW"

# ---------------------------------------------------------------------------------------------- build
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 || ! -x "$OUT/app/scaigrid" ]]; then
  log "publishing ScaiGrid (Release) to $OUT/app"
  dotnet publish "$REPO/src/ScaiGrid" -c Release -o "$OUT/app" --nologo -v quiet >"$OUT/publish.log" 2>&1 \
    || { tail -30 "$OUT/publish.log" >&2; die "dotnet publish failed"; }
fi
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 || ! -x "$OUT/forwarder/plain-forwarder" ]]; then
  log "publishing the plain forwarder (Release) to $OUT/forwarder"
  dotnet publish "$BENCH/forwarder" -c Release -o "$OUT/forwarder" --nologo -v quiet >"$OUT/publish-forwarder.log" 2>&1 \
    || { tail -30 "$OUT/publish-forwarder.log" >&2; die "dotnet publish of bench/forwarder failed"; }
fi
COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$REPO" status --porcelain -- src 2>/dev/null | head -1)"
[[ -n "$DIRTY" ]] && COMMIT="$COMMIT+dirty"
# With BENCH_SKIP_BUILD the binary may be older than the checkout: let the caller say what it is.
COMMIT="${BENCH_LABEL:-$COMMIT}"

# ---------------------------------------------------------------------------------------------- start
wait_http() { # url method: until it answers (any status) or 30 s pass
  local url="$1" i
  for i in $(seq 150); do
    curl -s -o /dev/null -m 1 "$url" && return 0
    sleep 0.2
  done
  return 1
}

start_nginx() { # name
  local name="$1"
  sed "s#@PREFIX@#$NGINX_PREFIX#g" "$BENCH/$name-nginx.conf" >"$NGINX_PREFIX/$name.conf"
  "$NGINX" -t -q -p "$NGINX_PREFIX" -c "$NGINX_PREFIX/$name.conf"
  # `daemon off` in the conf: the master stays our child, so its pid is ours to stop.
  "$NGINX" -p "$NGINX_PREFIX" -c "$NGINX_PREFIX/$name.conf" &
  PIDS+=("$!")
}

start_nginx mock
wait_http "http://127.0.0.1:$MOCK_PORT/" || die "mock nginx did not start (see $NGINX_PREFIX/mock.error.log)"
start_nginx floor
wait_http "http://127.0.0.1:$FLOOR_PORT/" || die "floor nginx did not start (see $NGINX_PREFIX/floor.error.log)"

# The reference row: issue 8's "deliberately plain ASP.NET Core forwarder" (bench/forwarder), same runtime.
"$OUT/forwarder/plain-forwarder" --urls "http://127.0.0.1:$FWD_PORT" --upstream "http://127.0.0.1:$MOCK_PORT" >"$OUT/forwarder.log" 2>&1 &
FWD_PID=$!
PIDS+=("$FWD_PID")
wait_http "http://127.0.0.1:$FWD_PORT/" || { tail -20 "$OUT/forwarder.log" >&2; die "the plain forwarder did not start"; }

# Every canned body must parse before anything is measured against it.
check_json() { # url body-file
  curl -sf -X POST -H 'Content-Type: application/json' --data-binary "@$2" "$1" | python3 -c 'import json,sys; json.load(sys.stdin)' \
    || die "mock answer of $1 is not JSON"
}
check_json "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" "$BENCH/body-openai.json"
check_json "http://127.0.0.1:$MOCK_PORT/anthropic/v1/messages" "$BENCH/body-native.json"
check_json "http://127.0.0.1:$FLOOR_PORT/v1/chat/completions" "$BENCH/body-openai.json"
check_json "http://127.0.0.1:$FWD_PORT/v1/chat/completions" "$BENCH/body-openai.json"
curl -sf -X POST --data-binary "@$BENCH/body-stream.json" "http://127.0.0.1:$MOCK_PORT/stream/v1/chat/completions" | tail -2 | grep -q '^data: \[DONE\]' \
  || die "mock stream does not end with data: [DONE]"

# A fresh embedded installation each run: SQLite, in-process state, the bench config applied at start.
rm -rf "$OUT/data" && mkdir -p "$OUT/data"
CONFIG="$BENCH/scaigrid-bench.yaml"
INSTALLATION="one tenant, one API key, three frontend models"
REPORT="$RESULTS/latest.md"
if [[ "$SCALE" == 1 ]]; then
  CONFIG="$OUT/scale.yaml"
  python3 "$BENCH/scale-config.py" "$CONFIG" 1000 100 1000
  log "applying the scale configuration (1,000 tenants, 100,000 API keys, 1,000 models)"
  started=$(date +%s)
  # The generated keys are printed once; nobody needs them here.
  SCAIGRID_DATA_DIR="$OUT/data" "$OUT/app/scaigrid" apply -f "$CONFIG" >/dev/null 2>"$OUT/apply.log" \
    || { tail -20 "$OUT/apply.log" >&2; die "scaigrid apply of the scale configuration failed"; }
  INSTALLATION="1,001 tenants, 100,001 API keys, 1,003 frontend models (applied in $(( $(date +%s) - started )) s)"
  REPORT="$RESULTS/scale.md"
fi
SCAIGRID_DATA_DIR="$OUT/data" \
SCAIGRID_LOG_LEVEL=Warning \
SCAIGRID_CONFIG_FILE="$CONFIG" \
  "$OUT/app/scaigrid" serve --urls "http://127.0.0.1:$SG_PORT" >"$OUT/scaigrid.log" 2>&1 &
SG_PID=$!
PIDS+=("$SG_PID")
wait_http "http://127.0.0.1:$SG_PORT/health/live" || { tail -20 "$OUT/scaigrid.log" >&2; die "ScaiGrid did not start"; }

auth=(-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
for spec in "body-openai.json /oai/v1/chat/completions" "body-native.json /v1/inference/chat" "body-anthropic.json /v1/inference/chat"; do
  read -r body path <<<"$spec"
  status="$(curl -s -o "$OUT/check.json" -w '%{http_code}' "${auth[@]}" --data-binary "@$BENCH/$body" "http://127.0.0.1:$SG_PORT$path")"
  [[ "$status" == 200 ]] || { cat "$OUT/check.json" >&2; die "ScaiGrid $path ($body) answered $status"; }
done
curl -sf "${auth[@]}" --data-binary "@$BENCH/body-stream.json" "http://127.0.0.1:$SG_PORT/oai/v1/chat/completions" | tail -2 | grep -q '^data: \[DONE\]' \
  || die "ScaiGrid stream does not end with data: [DONE]"

# --------------------------------------------------------------------------------------------- measure
# name | url | body
TARGETS=(
  "direct|http://127.0.0.1:$MOCK_PORT/v1/chat/completions|body-openai.json"
  "nginx|http://127.0.0.1:$FLOOR_PORT/v1/chat/completions|body-openai.json"
  "forwarder|http://127.0.0.1:$FWD_PORT/v1/chat/completions|body-openai.json"
  "oai|http://127.0.0.1:$SG_PORT/oai/v1/chat/completions|body-openai.json"
  "native|http://127.0.0.1:$SG_PORT/v1/inference/chat|body-native.json"
  "anthropic|http://127.0.0.1:$SG_PORT/v1/inference/chat|body-anthropic.json"
)

run_wrk() { # name url body threads conns round
  local name="$1" url="$2" body="$3" threads="$4" conns="$5" round="$6"
  BENCH_BODY="$BENCH/$body" BENCH_KEY="$KEY" \
    wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 5s --latency -s "$BENCH/post.lua" "$url" \
    >"$RAW/$name-c$conns-r$round.txt"
}

# Time to first byte of a stream, TTFB_N requests on one keep-alive connection (curl reuses it across
# the URLs of one invocation), one value per line in seconds.
run_ttfb() { # name url round
  local name="$1" url="$2" round="$3" cfg="$RAW/ttfb-$name.curlrc" i
  : >"$cfg"
  for (( i=0; i<TTFB_N; i++ )); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$cfg"; done
  curl -s -m 120 -K "$cfg" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    --data-binary "@$BENCH/body-stream.json" -w '%{http_code} %{time_starttransfer}\n' >"$RAW/ttfb-$name-r$round.txt"
}

# Both .NET processes (the forwarder and ScaiGrid's three surfaces) get the same JIT/PGO warm-up.
log "warming up the forwarder and ScaiGrid (${WARMUP_S}s per surface)"
for t in "${TARGETS[@]:2}"; do
  IFS='|' read -r name url body <<<"$t"
  BENCH_BODY="$BENCH/$body" BENCH_KEY="$KEY" wrk -t2 -c16 -d"${WARMUP_S}s" -s "$BENCH/post.lua" "$url" >/dev/null
done
run_ttfb warm "http://127.0.0.1:$SG_PORT/oai/v1/chat/completions" 0

# Interleaved: every round measures every target once per shape, so drift on a shared machine hits all
# targets alike; the order rotates per round so no target always runs right after the heaviest one.
for (( round=1; round<=ROUNDS; round++ )); do
  n=${#TARGETS[@]}
  for (( k=0; k<n; k++ )); do
    IFS='|' read -r name url body <<<"${TARGETS[(k+round-1)%n]}"
    log "round $round/$ROUNDS: $name"
    run_wrk "$name" "$url" "$body" 1 1 "$round"
    run_wrk "$name" "$url" "$body" 2 64 "$round"
  done
  run_ttfb direct-stream "http://127.0.0.1:$MOCK_PORT/stream/v1/chat/completions" "$round"
  run_ttfb sg-stream "http://127.0.0.1:$SG_PORT/oai/v1/chat/completions" "$round"
done

RSS_KB="$(awk '/^VmRSS:/ {print $2}' "/proc/$SG_PID/status")"
FWD_RSS_KB="$(awk '/^VmRSS:/ {print $2}' "/proc/$FWD_PID/status")"
python3 "$BENCH/report.py" "$RAW" "$ROUNDS" "$RSS_KB" "$COMMIT" "$DURATION" "$TTFB_N" "$INSTALLATION" "$FWD_RSS_KB" >"$REPORT"
cat "$REPORT"
# The simple console logger prefixes levels as warn:/fail:/crit:.
if grep -qE '(warn|fail|crit): ' "$OUT/scaigrid.log"; then
  log "ScaiGrid logged warnings or errors during the run: see $OUT/scaigrid.log"
fi
