#!/usr/bin/env bash
# Start-up time and peak memory of examples/AotSample, Native AOT against the JIT build (bench/README.md,
# "Native AOT start-up"). Each run starts a fresh process with --startup: it connects to REDIS_URL,
# defines one command, makes one call and prints when that first call returned and its peak RSS (VmHWM).
# Start-up = that moment minus the moment just before the process was started (both wall clock).
#   scripts/with-redis.sh bench/aot-startup.sh [runs]     (needs artifacts/aot from scripts/aot-check.sh
#                                                          and dotnet build examples/AotSample -c Release)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
aot=artifacts/aot/LuaScripts.AotSample
jit=examples/AotSample/bin/Release/net10.0/LuaScripts.AotSample.dll
[ -x "$aot" ] || { echo "no $aot: run scripts/aot-check.sh first" >&2; exit 2; }
[ -f "$jit" ] || { echo "no $jit: run dotnet build examples/AotSample -c Release first" >&2; exit 2; }

# The values sorted, then their median.
summary() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1; printf "%s ", $1 } END { printf "| median %s", v[int((NR + 1) / 2)] }'; }

measure() { # label, command...
  local label=$1; shift
  local ms=() kb=() i out t0 t1
  "$@" --startup >/dev/null # warm the file cache; not counted
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%6N)
    out=$("$@" --startup)
    t1=$(sed -nE 's/.*first_call_unix_us=([0-9]+).*/\1/p' <<<"$out")
    ms+=("$(( (t1 - t0) / 1000 ))")
    kb+=("$(sed -nE 's/.*peak_rss_kb=([0-9]+).*/\1/p' <<<"$out")")
  done
  printf '%-4s start-up to first call, ms: %s\n' "$label" "$(summary "${ms[@]}")"
  printf '%-4s peak RSS, KiB:               %s\n' "$label" "$(summary "${kb[@]}")"
}

echo "$(date -u '+%Y-%m-%d %H:%M UTC'); load average: $(cut -d' ' -f1-3 /proc/loadavg); $runs runs each; redis at ${REDIS_URL:-localhost:6379}"
measure AOT "$aot"
measure JIT dotnet "$jit"
echo "sizes: native executable $(du -h "$aot" | cut -f1); the JIT build's assemblies $(du -ch "$(dirname "$jit")"/*.dll | tail -1 | cut -f1) (plus the shared .NET runtime)"
