#!/usr/bin/env bash
# The checkout journey against two builds in one run: a git ref and the working tree, each on its own server and a
# fresh embedded PostgreSQL, alternating builds round after round (ABBA), then one table of both.
#
#   bench/compare.sh <git-ref> [rounds]        # e.g. SHOPPERS=50 DURATION_S=30 bench/compare.sh main 2
#
# SHOPPERS (default 10), DURATION_S (30), WARMUP_S and IDLE_S go to bench/checkout.mjs; COMPARE_PORT (3310) is the
# first of the HTTP ports and COMPARE_PG_PORT (54510) the first of the PostgreSQL ports (two of each are used).
# The results are kept in bench/results/compare-<timestamp>.json.
set -euo pipefail

usage() {
  echo "usage: bench/compare.sh <git-ref> [rounds]" >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 ]] || usage
REF=$1
ROUNDS=${2:-2}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || usage

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODE="$ROOT/node_modules/.bin/node"
REF_SHA=$(git -C "$ROOT" rev-parse --verify --quiet "$REF^{commit}") || {
  echo "compare: $REF is not a commit" >&2
  exit 2
}
export SHOPPERS=${SHOPPERS:-10} DURATION_S=${DURATION_S:-30}
HTTP_PORT=${COMPARE_PORT:-3310}
PG_PORT=${COMPARE_PG_PORT:-54510}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
# under the tree (gitignored): the embedded PostgreSQL runs as another user when started as root, and must reach it
SCRATCH="$ROOT/.data-bench-compare-$STAMP-$$"
REF_TREE="$SCRATCH/ref"
SERVER_PID=""
SERVER_DATA=""
BENCH_PID=""

# Stops the running server and waits for it; a server that does not stop is killed, and so is the PostgreSQL it
# started (a postmaster.pid in its data directory), so that no data directory is removed under a running database.
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 120); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  local postmaster="$SERVER_DATA/pg/postmaster.pid"
  if [[ -f $postmaster ]]; then
    local pg_pid
    pg_pid=$(head -n 1 "$postmaster")
    # only the PostgreSQL of this data directory, not another process that got the pid since
    if [[ $pg_pid =~ ^[0-9]+$ ]] && ps -p "$pg_pid" -o args= 2>/dev/null | grep -qF -- "$SERVER_DATA/pg" &&
      kill -INT "$pg_pid" 2>/dev/null; then
      for _ in $(seq 1 120); do
        kill -0 "$pg_pid" 2>/dev/null || break
        sleep 0.5
      done
    fi
  fi
  SERVER_PID=""
}

cleanup() {
  local status=$?
  # a second Ctrl-C must not cut the cleanup short
  trap - EXIT
  trap '' INT TERM
  if [[ -n $BENCH_PID ]]; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  stop_server
  if [[ -d $REF_TREE ]]; then git -C "$ROOT" worktree remove --force "$REF_TREE" >/dev/null 2>&1 || true; fi
  rm -rf "$SCRATCH"
  # a worktree that could not be removed is gone with the scratch directory: drop what git still records of it
  if git -C "$ROOT" worktree list --porcelain | grep -qF -- "$REF_TREE"; then git -C "$ROOT" worktree prune; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$SCRATCH/results"
chmod 755 "$SCRATCH"

echo "== building $REF (${REF_SHA:0:7}) in a temporary worktree"
git -C "$ROOT" worktree add --quiet --detach "$REF_TREE" "$REF_SHA" >/dev/null
if cmp -s "$ROOT/package-lock.json" "$REF_TREE/package-lock.json"; then
  cp -a "$ROOT/node_modules" "$REF_TREE/node_modules"
else
  (cd "$REF_TREE" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$REF_TREE" && npm run build --silent)
echo "== building the working tree"
(cd "$ROOT" && npm run build --silent)

# run <label> <tree> <round> <http-port> <pg-port>
run() {
  local label=$1 tree=$2 round=$3 port=$4 pg_port=$5
  local url="http://127.0.0.1:$port"
  SERVER_DATA="$SCRATCH/data-$label-$round"
  local log="$SCRATCH/server-$label-$round.log"
  if curl -s -o /dev/null --max-time 2 "$url/"; then
    echo "compare: port $port is in use: set COMPARE_PORT" >&2
    exit 1
  fi
  echo "== round $round: $label"
  (cd "$tree" && RATE_LIMITS=off LOG_LEVEL=warn PORT=$port EMBEDDED_PG_PORT=$pg_port DATA_DIR="$SERVER_DATA" \
    exec "$NODE" dist/app/monolith.main.js) >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "compare: the $label server exited while starting:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    curl -fs -o /dev/null --max-time 2 "$url/api/v1/products?limit=1" && break
    sleep 1
  done
  # in the background, so that a signal reaches the traps at once rather than after the run
  BASE_URL=$url DATA_DIR="$SERVER_DATA" EMBEDDED_PG_PORT=$pg_port RESULT_FILE="$SCRATCH/results/$label-$round.json" \
    "$NODE" "$ROOT/bench/checkout.mjs" &
  BENCH_PID=$!
  wait "$BENCH_PID" || echo "compare: the benchmark failed against $label in round $round" >&2
  BENCH_PID=""
  stop_server
}

for round in $(seq 1 "$ROUNDS"); do
  # ABBA: each build goes first in every other round, so a drift of the machine weighs on both alike
  if ((round % 2)); then
    run ref "$REF_TREE" "$round" "$HTTP_PORT" "$PG_PORT"
    run work "$ROOT" "$round" "$((HTTP_PORT + 1))" "$((PG_PORT + 1))"
  else
    run work "$ROOT" "$round" "$((HTTP_PORT + 1))" "$((PG_PORT + 1))"
    run ref "$REF_TREE" "$round" "$HTTP_PORT" "$PG_PORT"
  fi
done

DIRTY=""
[[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no) ]] || DIRTY=" + uncommitted changes"
COMPARE_REF="$REF (${REF_SHA:0:7})" COMPARE_WORK="working tree ($(git -C "$ROOT" rev-parse --short HEAD)$DIRTY)" \
  "$NODE" "$ROOT/bench/compare-report.mjs" "$SCRATCH/results" "$ROOT/bench/results/compare-$STAMP.json"
