#!/usr/bin/env bash
# The checkout journey against the working tree's two topologies in one run: the monolith and the services topology
# (ten services, two gateways, nginx), both over the same RabbitMQ and each on a fresh embedded PostgreSQL,
# alternating round after round (ABBA), then one table of both.
#
#   bench/topologies.sh [rounds]        # e.g. SHOPPERS=50 DURATION_S=20 bench/topologies.sh 2
#
# AMQP_URL (default amqp://guest:guest@127.0.0.1:5672) is the broker; SHOPPERS (10), DURATION_S (30), WARMUP_S go to
# bench/checkout.mjs; TOPOLOGIES_PORT (3410) is the first of two HTTP ports, TOPOLOGIES_PG_PORT (54610) the first of
# two PostgreSQL ports. The results are kept in bench/results/topologies-<timestamp>.json.
set -euo pipefail

ROUNDS=${1:-2}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || {
  echo "usage: bench/topologies.sh [rounds]" >&2
  exit 2
}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODE="$ROOT/node_modules/.bin/node"
export SHOPPERS=${SHOPPERS:-10} DURATION_S=${DURATION_S:-30} IDLE_S=${IDLE_S:-0}
export AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}
HTTP_PORT=${TOPOLOGIES_PORT:-3410}
PG_PORT=${TOPOLOGIES_PG_PORT:-54610}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
NAMESPACE="bench-$(date -u +%s)-$$"
# under the tree (gitignored): the embedded PostgreSQL runs as another user when started as root, and must reach it
SCRATCH="$ROOT/.data-bench-topologies-$STAMP-$$"
SERVER_PID=""
BENCH_PID=""

# Stops the server (the monolith, or the services starter, which stops its processes and its PostgreSQL itself).
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 120); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# The run's queues on the broker, when it runs on this machine (rabbitmqctl); elsewhere they are left to expire.
delete_queues() {
  command -v rabbitmqctl >/dev/null || return 0
  rabbitmqctl list_queues name --quiet --no-table-headers 2>/dev/null | grep "^$NAMESPACE" | while read -r queue; do
    rabbitmqctl delete_queue "$queue" >/dev/null 2>&1 || true
  done
}

cleanup() {
  local status=$?
  trap - EXIT
  trap '' INT TERM
  if [[ -n $BENCH_PID ]]; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  stop_server
  delete_queues
  rm -rf "$SCRATCH"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$SCRATCH/results"
chmod 755 "$SCRATCH"
echo "== building the working tree"
(cd "$ROOT" && npm run build --silent)

# run <label> <entry point> <round> <http-port> <pg-port>
run() {
  local label=$1 entry=$2 round=$3 port=$4 pg_port=$5
  local url="http://127.0.0.1:$port"
  local data="$SCRATCH/data-$label-$round"
  local log="$SCRATCH/server-$label-$round.log"
  if curl -s -o /dev/null --max-time 2 "$url/"; then
    echo "topologies: port $port is in use: set TOPOLOGIES_PORT" >&2
    exit 1
  fi
  echo "== round $round: $label"
  (cd "$ROOT" && RATE_LIMITS=off LOG_LEVEL=warn PORT=$port EMBEDDED_PG_PORT=$pg_port DATA_DIR="$data" \
    BUS_NAMESPACE="$NAMESPACE-$label-$round" exec "$NODE" "dist/app/$entry") >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "topologies: the $label server exited while starting:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    curl -fs -o /dev/null --max-time 2 "$url/api/v1/products?limit=1" && break
    sleep 1
  done
  # the database counters are one database's: the monolith's (the services' are spread over ten, left out)
  local counters="postgres://postgres:postgres@127.0.0.1:$pg_port/orderly"
  [[ $label == services ]] && counters="postgres://postgres:postgres@127.0.0.1:1/none"
  # named as bench/compare-report.mjs reads them: the monolith as the reference, the services as the work
  local result=work
  [[ $label == monolith ]] && result=ref
  BASE_URL=$url DATA_DIR="$data" BENCH_DATABASE_URL=$counters RESULT_FILE="$SCRATCH/results/$result-$round.json" \
    "$NODE" "$ROOT/bench/checkout.mjs" &
  BENCH_PID=$!
  wait "$BENCH_PID" || echo "topologies: the benchmark failed against $label in round $round" >&2
  BENCH_PID=""
  stop_server
}

for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then
    run monolith monolith.main.js "$round" "$HTTP_PORT" "$PG_PORT"
    run services services.main.js "$round" "$((HTTP_PORT + 1))" "$((PG_PORT + 1))"
  else
    run services services.main.js "$round" "$((HTTP_PORT + 1))" "$((PG_PORT + 1))"
    run monolith monolith.main.js "$round" "$HTTP_PORT" "$PG_PORT"
  fi
done

mkdir -p "$ROOT/bench/results"
COMPARE_REF="monolith over RabbitMQ" COMPARE_WORK="services topology over RabbitMQ (nginx, 2 gateways, 10 services)" "$NODE" "$ROOT/bench/compare-report.mjs" "$SCRATCH/results" \
  "$ROOT/bench/results/topologies-$STAMP.json"
