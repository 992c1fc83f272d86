#!/usr/bin/env bash
# Runs a command with REDIS_URL pointing at a redis-server: the one REDIS_URL already names, or a
# throwaway one started here on a free loopback port and stopped by PID afterwards.
set -euo pipefail
if [ -n "${REDIS_URL:-}" ]; then exec "$@"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no >"$dir/redis.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
REDIS_URL="127.0.0.1:$port" "$@"
