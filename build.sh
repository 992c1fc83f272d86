#!/usr/bin/env bash
# LuaScripts build entry point.
#   ./build.sh demo    run the channel-layer demo (throwaway local redis-server unless REDIS_URL is set);
#                      --backend scripts|functions|auto picks the backend (default scripts)
#   ./build.sh demo --web  run the web example (examples/WebApi: a minimal API over the channel layer, with
#                      /health and OpenTelemetry on the console) against a throwaway redis-server (unless
#                      REDIS_URL is set) and print its URL (WEB_PORT picks the port); --backend as above
#   ./build.sh test    check the formatting (Fantomas for F#, dotnet format for C#), build everything and run
#                      every test suite against real redis-server processes (among them the Native AOT check,
#                      scripts/aot-check.sh: the AOT sample published and run), then the suites that create
#                      clients (core, facade, channels, hosting, web example, check tool, chaos) again with the Functions backend
#                      (LUASCRIPTS_TEST_BACKEND=Functions; its chaos pass runs CHAOS_FUNCTIONS_SECONDS of
#                      faults per phase, default 10), then core, facade and channels on both backends built
#                      against the StackExchange.Redis floor the packages declare. Counts come from each suite's result file in
#                      artifacts/test-results (TRX, Expecto's NUnit-style summary); the last line is
#                      "N passed, N failed", and the exit code is non-zero on any failure.
#   ./build.sh pack    build the NuGet packages (and the luascripts dotnet tool) into ./artifacts/packages
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
# Each test suite writes a result file here (TRX for the xunit suites, Expecto's NUnit-style summary for
# the core suite); the counts are read from those files, not from console output.
RESULTS="$PWD/artifacts/test-results"
result_n=0

# One attribute (a whole number) of the first element named $2 in an XML result file; 0 when absent.
xml_count() { # file element attribute
  local v=""
  v=$(grep -o "<$2 [^>]*>" "$1" | sed -nE "1s/.* $3=\"([0-9]+)\".*/\1/p") || true
  echo "${v:-0}"
}

# Adds one xunit suite's counts from its TRX: <Counters total= executed= passed= failed= error= timeout=
# aborted= ...>. A skipped test is counted in total but not in executed.
count_trx() { # file
  [ -s "$1" ] && grep -q '<Counters ' "$1" || return 1
  local total executed p f
  total=$(xml_count "$1" Counters total)
  executed=$(xml_count "$1" Counters executed)
  p=$(xml_count "$1" Counters passed)
  f=$(( $(xml_count "$1" Counters failed) + $(xml_count "$1" Counters error) \
      + $(xml_count "$1" Counters timeout) + $(xml_count "$1" Counters aborted) ))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - executed))
}

# Adds the Expecto suite's counts from its --nunit-summary file: <test-results total= errors= failures=
# ignored= ...> (Expecto's --junit-summary file has no counts, only one element per test).
count_expecto() { # file
  [ -s "$1" ] && grep -q '<test-results ' "$1" || return 1
  local total e f i
  total=$(xml_count "$1" test-results total)
  e=$(xml_count "$1" test-results errors)
  f=$(xml_count "$1" test-results failures)
  i=$(xml_count "$1" test-results ignored)
  passed=$((passed + total - e - f - i)); failed=$((failed + f + e)); skipped=$((skipped + i))
}

# Names the failed tests of one result file (TRX or Expecto's summary), at most 20, so the last lines of a
# run say which tests failed and not only which suite.
failed_tests() { # file
  [ -s "$1" ] || return 0
  { grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$1" | sed -E 's/.* testName="([^"]*)".*/\1/'
    grep -o '<test-case [^>]*success="False"[^>]*>' "$1" | sed -E 's/.* name="([^"]*)".*/\1/'
  } | head -20 | while IFS= read -r t; do echo "  test: $t"; done || true
}

# Runs one suite: name, kind (dotnet-test | expecto | check), command... A dotnet-test command gets a TRX
# logger and an expecto command (its arguments after `--`) a summary file appended; a suite that leaves no
# result file counts as one failure. A check counts as one pass or one failure, by its exit code.
suite() {
  local name=$1 kind=$2; shift 2
  local result="" file
  result_n=$((result_n + 1))
  file=$(printf '%02d-%s' "$result_n" "$(printf '%s' "$name" | tr -cs 'A-Za-z0-9' '-' | cut -c1-60 | sed 's/-*$//')")
  case $kind in
    dotnet-test) result="$RESULTS/$file.trx"; set -- "$@" --logger "trx;LogFileName=$file.trx" --results-directory "$RESULTS" ;;
    expecto) result="$RESULTS/$file.xml"; set -- "$@" --nunit-summary "$result" ;;
  esac
  [ -n "$result" ] && rm -f "$result"
  echo; echo "== $name"
  set +e
  "$@" 2>&1
  local rc=$?
  set -e
  case $kind in
    dotnet-test) count_trx "$result" || { failed=$((failed + 1)); failures+=("$name (no result file)"); } ;;
    expecto) count_expecto "$result" || { failed=$((failed + 1)); failures+=("$name (no result file)"); } ;;
    check) if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi ;;
  esac
  if [ "$rc" -ne 0 ]; then
    failures+=("$name (exit $rc)")
    local t
    while IFS= read -r t; do failures+=("$t"); done < <([ -n "$result" ] && failed_tests "$result")
  fi
}

# F# formatting: Fantomas, pinned in .config/dotnet-tools.json, over every folder that has F# sources.
check_fsharp_format() {
  local dirs=() d
  for d in src tests examples bench; do
    if [ -d "$d" ] && [ -n "$(find "$d" \( -name bin -o -name obj \) -prune -o \( -name '*.fs' -o -name '*.fsi' -o -name '*.fsx' \) -print -quit)" ]; then
      dirs+=("$d")
    fi
  done
  [ ${#dirs[@]} -gt 0 ] || { echo "no F# sources"; return 0; }
  dotnet tool restore && dotnet fantomas --check "${dirs[@]}"
}

# C# formatting: whitespace, and code style at warning severity (.editorconfig); the analyzers' rules are
# the build's business (AnalysisLevel, warnings as errors).
check_csharp_format() {
  local rc=0
  dotnet format whitespace LuaScripts.sln --verify-no-changes -v q || rc=1
  dotnet format style LuaScripts.sln --verify-no-changes --severity warn -v q || rc=1
  return $rc
}

cmd_test() {
  need_dotnet
  need_redis
  rm -rf "$RESULTS"; mkdir -p "$RESULTS"
  suite "format: F# (fantomas --check)" check check_fsharp_format
  suite "format: C# (dotnet format --verify-no-changes)" check check_csharp_format
  echo; echo "== build"
  dotnet build LuaScripts.sln -c $CONFIG -nologo -v q -clp:ErrorsOnly
  [ -f tests/Core.Tests/LuaScripts.Core.Tests.fsproj ] && suite "core (Expecto + FsCheck)" expecto dotnet run -c $CONFIG --no-build --project tests/Core.Tests -- --colours 0
  suite "facade (xunit)" dotnet-test dotnet test tests/Facade.Tests -c $CONFIG --no-build -nologo
  suite "generators: emitted source and diagnostics (xunit)" dotnet-test dotnet test tests/Generators.Tests -c $CONFIG --no-build -nologo
  [ -f tests/Channels.Tests/LuaScripts.Channels.Tests.csproj ] && suite "channels example (xunit)" dotnet-test dotnet test tests/Channels.Tests -c $CONFIG --no-build -nologo
  [ -f tests/Hosting.Tests/LuaScripts.Hosting.Tests.csproj ] && suite "hosting (xunit)" dotnet-test dotnet test tests/Hosting.Tests -c $CONFIG --no-build -nologo
  [ -f tests/WebApi.Tests/LuaScripts.WebApi.Tests.csproj ] && suite "web example (xunit, WebApplicationFactory)" dotnet-test dotnet test tests/WebApi.Tests -c $CONFIG --no-build -nologo
  [ -f tests/Tool.Tests/LuaScripts.Tool.Tests.csproj ] && suite "luascripts check tool (xunit)" dotnet-test dotnet test tests/Tool.Tests -c $CONFIG --no-build -nologo
  # A logger on the command line replaces the chaos project's own (VSTestLogger, detailed console, which
  # shows its summary tables), so the chaos suites name it again beside the TRX logger.
  local tables=(--logger "console;verbosity=detailed")
  [ -f tests/Chaos/LuaScripts.Chaos.Tests.csproj ] && suite "chaos: faults under load, API fuzz (xunit)" dotnet-test dotnet test tests/Chaos -c $CONFIG --no-build -nologo "${tables[@]}"
  suite "StackExchange.Redis floor smoke (2.x)" check scripts/with-redis.sh dotnet run -c $CONFIG --no-build --project tests/FloorSmoke
  suite "packages as a user installs them" check scripts/with-redis.sh scripts/package-smoke.sh
  suite "README C# samples, as written, on the packages" check scripts/with-redis.sh scripts/readme-samples.sh
  suite "the LuaScript item as a user installs it" check scripts/with-redis.sh scripts/package-smoke-luascript.sh
  [ -f examples/quickstart.fsx ] && suite "examples/quickstart.fsx under dotnet fsi" check scripts/with-redis.sh dotnet fsi examples/quickstart.fsx
  [ -f bench/LuaScripts.Bench.csproj ] && suite "bench smoke (quick mode, tiny counts)" check dotnet run -c $CONFIG --no-build --project bench -- --quick --smoke
  # Native AOT: publishes examples/AotSample (about a minute), fails on any trim/AOT warning from LuaScripts
  # code or FSharp.Core warnings past the budget docs/aot.md records, then runs the native executable.
  [ -f scripts/aot-check.sh ] && suite "Native AOT sample: publish (no trim/AOT warning from LuaScripts), run on both backends" check scripts/with-redis.sh scripts/aot-check.sh
  # The suites that create clients, again with every client they create on the Functions backend
  # (tests that only hold for scripts are skipped there; the normal console verbosity shows why).
  local fn=(env LUASCRIPTS_TEST_BACKEND=Functions)
  local reasons=(--logger "console;verbosity=normal")
  [ -f tests/Core.Tests/LuaScripts.Core.Tests.fsproj ] && suite "core (Expecto + FsCheck, Functions backend)" expecto "${fn[@]}" dotnet run -c $CONFIG --no-build --project tests/Core.Tests -- --colours 0
  suite "facade (xunit, Functions backend)" dotnet-test "${fn[@]}" dotnet test tests/Facade.Tests -c $CONFIG --no-build -nologo "${reasons[@]}"
  [ -f tests/Channels.Tests/LuaScripts.Channels.Tests.csproj ] && suite "channels example (xunit, Functions backend)" dotnet-test "${fn[@]}" dotnet test tests/Channels.Tests -c $CONFIG --no-build -nologo "${reasons[@]}"
  [ -f tests/Hosting.Tests/LuaScripts.Hosting.Tests.csproj ] && suite "hosting (xunit, Functions backend)" dotnet-test "${fn[@]}" dotnet test tests/Hosting.Tests -c $CONFIG --no-build -nologo "${reasons[@]}"
  [ -f tests/WebApi.Tests/LuaScripts.WebApi.Tests.csproj ] && suite "web example (xunit, WebApplicationFactory, Functions backend)" dotnet-test "${fn[@]}" dotnet test tests/WebApi.Tests -c $CONFIG --no-build -nologo "${reasons[@]}"
  [ -f tests/Tool.Tests/LuaScripts.Tool.Tests.csproj ] && suite "luascripts check tool (xunit, Functions backend)" dotnet-test "${fn[@]}" dotnet test tests/Tool.Tests -c $CONFIG --no-build -nologo "${reasons[@]}"
  [ -f tests/Chaos/LuaScripts.Chaos.Tests.csproj ] && suite "chaos: faults under load, API fuzz (xunit, Functions backend, ${CHAOS_FUNCTIONS_SECONDS:-10} s of faults per phase)" dotnet-test "${fn[@]}" CHAOS_SECONDS="${CHAOS_FUNCTIONS_SECONDS:-10}" dotnet test tests/Chaos -c $CONFIG --no-build -nologo "${tables[@]}"
  # The suites users' projects actually run on: NuGet resolves the lowest StackExchange.Redis the packages
  # allow, so core, facade and channels run again built against that floor, on both backends (chaos
  # stays on the newest). The floor builds go to artifacts/floor, apart from the main build.
  local floor
  floor=$(sed -nE 's|.*<StackExchangeRedisFloor>([^<]+)</StackExchangeRedisFloor>.*|\1|p' Directory.Packages.props)
  local fbin=artifacts/floor/bin
  echo; echo "== build against the StackExchange.Redis floor ($floor)"
  local p floor_built=1
  for p in tests/Core.Tests/LuaScripts.Core.Tests.fsproj tests/Facade.Tests/LuaScripts.Facade.Tests.csproj tests/Channels.Tests/LuaScripts.Channels.Tests.csproj; do
    [ -f "$p" ] || continue
    dotnet build "$p" -c $CONFIG -nologo -v q -clp:ErrorsOnly --artifacts-path artifacts/floor -p:StackExchangeRedisTested="$floor" || floor_built=0
  done
  if [ "$floor_built" -eq 1 ]; then
    local b
    for b in Scripts Functions; do
      local be=(env LUASCRIPTS_TEST_BACKEND=$b)
      suite "core (Expecto + FsCheck, $b backend, StackExchange.Redis $floor)" expecto "${be[@]}" dotnet $fbin/LuaScripts.Core.Tests/release/LuaScripts.Core.Tests.dll --colours 0
      suite "facade (xunit, $b backend, StackExchange.Redis $floor)" dotnet-test "${be[@]}" dotnet test $fbin/LuaScripts.Facade.Tests/release/LuaScripts.Facade.Tests.dll "${reasons[@]}"
      suite "channels example (xunit, $b backend, StackExchange.Redis $floor)" dotnet-test "${be[@]}" dotnet test $fbin/LuaScripts.Channels.Tests/release/LuaScripts.Channels.Tests.dll "${reasons[@]}"
    done
  else
    failed=$((failed + 1)); failures+=("build against the StackExchange.Redis floor ($floor)")
  fi
  echo
  for f in "${failures[@]}"; do case $f in "  test: "*) echo "$f" ;; *) echo "failed: $f" ;; esac; done
  echo "skipped (counted neither passed nor failed): $skipped"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
}

cmd_demo() {
  need_dotnet
  need_redis
  if [ "${1:-}" = "--web" ]; then
    shift
    cmd_demo_web "$@"
  else
    dotnet run -c $CONFIG --project examples/Channels/Demo -- "$@"
  fi
}

# The web example on http://127.0.0.1:$WEB_PORT (a free port by default), against the redis-server
# REDIS_URL names or a throwaway one (scripts/with-redis.sh starts it and stops it by PID on exit).
cmd_demo_web() {
  local backend=Scripts
  while [ $# -gt 0 ]; do
    case $1 in
      --backend) backend=$2; shift 2 ;;
      *) echo "unknown option for demo --web: $1" >&2; exit 2 ;;
    esac
  done
  case ${backend,,} in
    scripts) backend=Scripts ;; functions) backend=Functions ;; auto) backend=Auto ;;
    *) echo "--backend must be scripts, functions or auto" >&2; exit 2 ;;
  esac
  local port=${WEB_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')}
  dotnet build examples/WebApi -c $CONFIG -nologo -v q -clp:ErrorsOnly
  echo "web example: http://127.0.0.1:$port (try: curl -X POST http://127.0.0.1:$port/topics/news/members/alice;"
  echo "  curl -X POST -d hello http://127.0.0.1:$port/topics/news/messages; curl http://127.0.0.1:$port/channels/alice/messages;"
  echo "  curl http://127.0.0.1:$port/health). Ctrl-C stops it and its redis-server."
  WEB_URL="http://127.0.0.1:$port" LUASCRIPTS_BACKEND=$backend scripts/with-redis.sh bash -c \
    'exec dotnet run -c '$CONFIG' --no-build --project examples/WebApi -- --urls "$WEB_URL" --Redis="$REDIS_URL" --LuaScripts:Backend="$LUASCRIPTS_BACKEND"'
}

cmd_pack() {
  need_dotnet
  dotnet pack src/Core.FSharp/LuaScripts.Core.fsproj -c $CONFIG -o artifacts/packages -nologo
  dotnet pack src/Facade.CSharp/LuaScripts.csproj -c $CONFIG -o artifacts/packages -nologo
  dotnet pack src/Hosting.CSharp/LuaScripts.Hosting.csproj -c $CONFIG -o artifacts/packages -nologo
  dotnet pack src/Tool.CSharp/LuaScripts.Tool.csproj -c $CONFIG -o artifacts/packages -nologo
}

case "${1:-}" in
  test) cmd_test ;;
  demo) shift; cmd_demo "$@" ;;
  pack) cmd_pack ;;
  *) echo "usage: ./build.sh demo [--web] [--backend scripts|functions|auto] | test | pack" >&2; exit 2 ;;
esac
