#!/usr/bin/env bash
# LuaScripts build entry point.
#   ./build.sh demo    run the channel-layer demo (throwaway local redis-server unless REDIS_URL is set);
#                      --backend scripts|functions|auto picks the backend (default scripts)
#   ./build.sh test    build everything and run every test suite against real redis-server processes, then
#                      the suites that create clients (core, facade, channels, chaos) again with the Functions
#                      backend (LUASCRIPTS_TEST_BACKEND=Functions; its chaos pass runs CHAOS_FUNCTIONS_SECONDS
#                      of faults per phase, default 10)
#   ./build.sh pack    build the NuGet packages into ./artifacts/packages
set -euo pipefail
cd "$(dirname "$0")"

CONFIG=Release

need_redis() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "== installing redis-server and redis-tools (Debian packages)"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >/dev/null
  fi
}

need_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "The .NET SDK (10.0 or newer) is required: https://dot.net (dotnet-sdk-10.0 package)." >&2
    exit 2
  fi
}

passed=0
failed=0
skipped=0
failures=()

# Adds one suite's counts, read from its output.
count_dotnet_test() { # file
  local line p f
  line=$(grep -E '(Passed|Failed)!\s+- Failed:' "$1" | tail -n 1 || true)
  local s=0
  if [ -n "$line" ]; then
    f=$(sed -E 's/.*Failed:\s+([0-9]+).*/\1/' <<<"$line")
    p=$(sed -E 's/.*Passed:\s+([0-9]+).*/\1/' <<<"$line")
    s=$(sed -nE 's/.*Skipped:\s+([0-9]+).*/\1/p' <<<"$line")
  else
    # The detailed console logger ends with "Total tests: N", "Passed: N" and, when any, "Failed: N"
    # and "Skipped: N".
    grep -qE '^\s*Total tests:\s+[0-9]+' "$1" || return 1
    p=$(grep -E '^\s+Passed:\s+[0-9]+\s*$' "$1" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
    f=$(grep -E '^\s+Failed:\s+[0-9]+\s*$' "$1" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
    s=$(grep -E '^\s+Skipped:\s+[0-9]+\s*$' "$1" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
}

count_expecto() { # file
  local line p f e i
  line=$(sed -E 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$1" | grep -E '[0-9]+ passed, [0-9]+ ignored, [0-9]+ failed, [0-9]+ errored' | tail -n 1 || true)
  if [ -z "$line" ]; then return 1; fi
  p=$(sed -E 's/.* ([0-9]+) passed,.*/\1/' <<<"$line")
  i=$(sed -E 's/.* ([0-9]+) ignored,.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed,.*/\1/' <<<"$line")
  e=$(sed -E 's/.* ([0-9]+) errored.*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f + e)); skipped=$((skipped + i))
}

# Runs one suite: name, kind (dotnet-test | expecto | check), command...
suite() {
  local name=$1 kind=$2; shift 2
  local log; log=$(mktemp)
  echo; echo "== $name"
  set +e
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  case $kind in
    dotnet-test) count_dotnet_test "$log" || { failed=$((failed + 1)); failures+=("$name (no summary)"); } ;;
    expecto) count_expecto "$log" || { failed=$((failed + 1)); failures+=("$name (no summary)"); } ;;
    check) if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi ;;
  esac
  if [ "$rc" -ne 0 ]; then failures+=("$name (exit $rc)"); fi
  rm -f "$log"
}

cmd_test() {
  need_dotnet
  need_redis
  echo "== build"
  dotnet build LuaScripts.sln -c $CONFIG -nologo -v q -clp:ErrorsOnly
  [ -f tests/Core.Tests/LuaScripts.Core.Tests.fsproj ] && suite "core (Expecto + FsCheck)" expecto dotnet run -c $CONFIG --no-build --project tests/Core.Tests -- --colours 0
  suite "facade (xunit)" dotnet-test dotnet test tests/Facade.Tests -c $CONFIG --no-build -nologo
  [ -f tests/Channels.Tests/LuaScripts.Channels.Tests.csproj ] && suite "channels example (xunit)" dotnet-test dotnet test tests/Channels.Tests -c $CONFIG --no-build -nologo
  [ -f tests/Chaos/LuaScripts.Chaos.Tests.csproj ] && suite "chaos: faults under load, API fuzz (xunit)" dotnet-test dotnet test tests/Chaos -c $CONFIG --no-build -nologo
  suite "StackExchange.Redis floor smoke (2.x)" check scripts/with-redis.sh dotnet run -c $CONFIG --no-build --project tests/FloorSmoke
  suite "packages as a user installs them" check scripts/with-redis.sh scripts/package-smoke.sh
  [ -f examples/quickstart.fsx ] && suite "examples/quickstart.fsx under dotnet fsi" check scripts/with-redis.sh dotnet fsi examples/quickstart.fsx
  [ -f bench/LuaScripts.Bench.csproj ] && suite "bench smoke (quick mode, tiny counts)" check dotnet run -c $CONFIG --no-build --project bench -- --quick --smoke
  # The suites that create clients, again with every client they create on the Functions backend
  # (tests that only hold for scripts are skipped there; the normal console verbosity shows why).
  local fn=(env LUASCRIPTS_TEST_BACKEND=Functions)
  local reasons=(--logger "console;verbosity=normal")
  [ -f tests/Core.Tests/LuaScripts.Core.Tests.fsproj ] && suite "core (Expecto + FsCheck, Functions backend)" expecto "${fn[@]}" dotnet run -c $CONFIG --no-build --project tests/Core.Tests -- --colours 0
  suite "facade (xunit, Functions backend)" dotnet-test "${fn[@]}" dotnet test tests/Facade.Tests -c $CONFIG --no-build -nologo "${reasons[@]}"
  [ -f tests/Channels.Tests/LuaScripts.Channels.Tests.csproj ] && suite "channels example (xunit, Functions backend)" dotnet-test "${fn[@]}" dotnet test tests/Channels.Tests -c $CONFIG --no-build -nologo "${reasons[@]}"
  [ -f tests/Chaos/LuaScripts.Chaos.Tests.csproj ] && suite "chaos: faults under load, API fuzz (xunit, Functions backend, ${CHAOS_FUNCTIONS_SECONDS:-10} s of faults per phase)" dotnet-test "${fn[@]}" CHAOS_SECONDS="${CHAOS_FUNCTIONS_SECONDS:-10}" dotnet test tests/Chaos -c $CONFIG --no-build -nologo
  echo
  for f in "${failures[@]}"; do echo "failed: $f"; done
  echo "skipped (counted neither passed nor failed): $skipped"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
}

cmd_demo() {
  need_dotnet
  need_redis
  dotnet run -c $CONFIG --project examples/Channels/Demo -- "$@"
}

cmd_pack() {
  need_dotnet
  dotnet pack src/Core.FSharp/LuaScripts.Core.fsproj -c $CONFIG -o artifacts/packages -nologo
  dotnet pack src/Facade.CSharp/LuaScripts.csproj -c $CONFIG -o artifacts/packages -nologo
}

case "${1:-}" in
  test) cmd_test ;;
  demo) shift; cmd_demo "$@" ;;
  pack) cmd_pack ;;
  *) echo "usage: ./build.sh demo [--backend scripts|functions|auto] | test | pack" >&2; exit 2 ;;
esac
