#!/usr/bin/env bash
# Starts the production layout on this machine: HAProxy in front of N service instances on one PostgreSQL,
# with Redis (shared rate limits) and NATS JetStream (the usage feed). Used by the cluster tests and the
# benchmarks; docs/deploy.md explains each piece.
#
#   bench/cluster.sh start      # builds unless SERVER_CMD is set, migrates once, starts N instances + HAProxy
#   bench/cluster.sh stop       # SIGTERM to every instance (graceful), then HAProxy
#   bench/cluster.sh status
#
# Settings (environment): CLUSTER_DIR (run files, default /tmp/kswifi-cluster), INSTANCES (3), LB_PORT
# (8080), FIRST_PORT (8101: instances on 8101, 8102, ...) or INSTANCE_PORTS ("p1 p2 p3"), DATABASE_URL (default a kswifi_cluster database
# on the local PostgreSQL, created if missing), REDIS_URL (redis://127.0.0.1:6379), USAGE_FEED_NATS_URL
# (nats://127.0.0.1:4222; empty turns the feed off), JWT_SECRET (one for all instances), SERVER_CMD
# (default: node dist/server.mjs after npm run build). Any other variable (RATE_LIMIT_MAX, ADMIN_EMAIL ...)
# is passed to every instance as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${CLUSTER_DIR:-/tmp/kswifi-cluster}"
INSTANCES="${INSTANCES:-3}"
LB_PORT="${LB_PORT:-8080}"
FIRST_PORT="${FIRST_PORT:-8101}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kswifi_cluster}"
export REDIS_URL="${REDIS_URL-redis://127.0.0.1:6379}"
export USAGE_FEED_NATS_URL="${USAGE_FEED_NATS_URL-nats://127.0.0.1:4222}"
export JWT_SECRET="${JWT_SECRET:-cluster-secret-cluster-secret-cluster-0001}"
export TRUST_PROXY=true
[ -z "$REDIS_URL" ] && unset REDIS_URL
[ -z "$USAGE_FEED_NATS_URL" ] && unset USAGE_FEED_NATS_URL

# the port of instance $1: the $1-th of INSTANCE_PORTS when given, else FIRST_PORT + $1 - 1
port_of() {
  if [ -n "${INSTANCE_PORTS:-}" ]; then
    echo "$INSTANCE_PORTS" | tr ' ' '\n' | sed -n "${1}p"
  else
    echo $((FIRST_PORT + $1 - 1))
  fi
}

start() {
  mkdir -p "$DIR"
  if [ -z "${SERVER_CMD:-}" ]; then
    npm run build --silent >/dev/null
    SERVER_CMD="node dist/server.mjs"
  fi
  # the database: created when missing, migrated once before any instance serves
  local db="${DATABASE_URL##*/}"
  db="${db%%\?*}"
  if [[ "$DATABASE_URL" == postgres* ]]; then
    local admin="${DATABASE_URL%/*}/postgres"
    if ! psql "$admin" -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
      psql "$admin" -qc "create database \"$db\""
    fi
  fi
  npx tsx src/cli/index.ts migrate >"$DIR/migrate.log" 2>&1

  local servers=""
  for i in $(seq 1 "$INSTANCES"); do
    local port
    port=$(port_of "$i")
    PORT="$port" HOST=127.0.0.1 nohup $SERVER_CMD >"$DIR/instance-$i.log" 2>&1 &
    echo $! >"$DIR/instance-$i.pid"
    servers="$servers    server s$i 127.0.0.1:$port check
"
  done
  cat >"$DIR/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode http
    option http-keep-alive
    option forwardfor
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    retries 2
    option redispatch
frontend api
    bind 127.0.0.1:$LB_PORT
    http-request del-header X-Forwarded-For
    default_backend kswifi
backend kswifi
    balance leastconn
    option httpchk GET /ready
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1 maxconn 512
$servers
CFG
  for i in $(seq 1 "$INSTANCES"); do
    local port
    port=$(port_of "$i")
    for _ in $(seq 1 600); do
      curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
      if ! kill -0 "$(cat "$DIR/instance-$i.pid")" 2>/dev/null; then
        echo "instance $i did not start:" >&2
        tail -20 "$DIR/instance-$i.log" >&2
        exit 1
      fi
      sleep 0.1
    done
  done
  haproxy -f "$DIR/haproxy.cfg" -D -p "$DIR/haproxy.pid"
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$LB_PORT/ready" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "cluster up: http://127.0.0.1:$LB_PORT -> $INSTANCES instances on $DATABASE_URL (logs in $DIR)"
}

stop() {
  for f in "$DIR"/instance-*.pid; do
    [ -e "$f" ] || continue
    kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$DIR"/instance-*.pid; do
    [ -e "$f" ] || continue
    for _ in $(seq 1 150); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  if [ -e "$DIR/haproxy.pid" ]; then
    kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true
    rm -f "$DIR/haproxy.pid"
  fi
}

status() {
  for f in "$DIR"/instance-*.pid; do
    [ -e "$f" ] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$(basename "$f" .pid): running"; else echo "$(basename "$f" .pid): stopped"; fi
  done
  curl -fs "http://127.0.0.1:$LB_PORT/ready" && echo
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: bench/cluster.sh start|stop|status" >&2; exit 2 ;;
esac
