#!/usr/bin/env bash
# Publishes examples/AotSample with Native AOT (linux-x64, into artifacts/aot) and runs the native
# executable against the redis-server REDIS_URL names (wrap in scripts/with-redis.sh for a throwaway
# one), on the Scripts and the Functions backend. Fails when:
#   - the publish fails, or any trim/AOT warning (IL2xxx, IL3xxx) comes from LuaScripts code;
#   - FSharp.Core's own warnings (reached through F# constructs it implements with reflection; see
#     docs/aot.md) number more than AOT_FSHARP_CORE_BUDGET (default: the count docs/aot.md records),
#     or a warning comes from any other assembly;
#   - the native executable exits non-zero (a wrong result).
# Native AOT links with clang: the one on PATH, else a versioned clang-N (linked as `clang` in a
# private directory), else Debian's clang package is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

budget=${AOT_FSHARP_CORE_BUDGET:-34}
out=artifacts/aot
log=artifacts/aot-publish.log

if ! command -v clang >/dev/null 2>&1; then
  versioned=$(compgen -c clang- | grep -E '^clang-[0-9]+$' | sort -t- -k2 -n | tail -1 || true)
  if [ -z "$versioned" ]; then
    echo "== installing clang and zlib1g-dev (Debian packages; Native AOT links with them)"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang zlib1g-dev >/dev/null
  else
    bindir=$(mktemp -d)
    trap 'rm -rf "$bindir"' EXIT
    ln -s "$(command -v "$versioned")" "$bindir/clang"
    PATH="$bindir:$PATH"
    echo "clang: $versioned"
  fi
fi

echo "== publish examples/AotSample with Native AOT (linux-x64) into $out"
rm -rf "$out"
# The native compiler reports warnings only when it runs: an up-to-date intermediate (a second run)
# would publish silently and the count below would read 0, so its intermediate output starts afresh.
rm -rf examples/AotSample/obj/Release/net10.0/linux-x64 examples/AotSample/bin/Release/net10.0/linux-x64
mkdir -p "$(dirname "$log")"
set +e
dotnet publish examples/AotSample -c Release -r linux-x64 -o "$out" -nologo -clp:NoSummary >"$log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  grep -E 'error|warning' "$log" | sed -E 's/ \[[^]]*\.csproj\]$//' | sort -u | head -50
  echo "FAIL: the publish failed (exit $rc); the whole log is $log"
  exit 1
fi

# One line per distinct warning (MSBuild repeats some), without the project name it appends.
warnings=$(grep -E '(warning|error) IL[23][0-9]{3}' "$log" | sed -E 's/ \[[^]]*\.csproj\]$//' | sort -u || true)
ours=$(printf '%s\n' "$warnings" | grep 'LuaScripts' || true)
fsharp=$(printf '%s\n' "$warnings" | grep -v 'LuaScripts' | grep -E 'FSharp\.Core|Microsoft\.FSharp\.' || true)
other=$(printf '%s\n' "$warnings" | grep -v 'LuaScripts' | grep -vE 'FSharp\.Core|Microsoft\.FSharp\.' | grep . || true)
count() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | grep -c .; }
kinds() { printf '%s\n' "$1" | grep -oE 'IL[23][0-9]{3}' | sort | uniq -c | awk '{printf "%s %s×%s", (NR>1?",":""), $2, $1}'; }

failed=0
echo "trim/AOT warnings: LuaScripts $(count "$ours"), FSharp.Core $(count "$fsharp") (budget $budget), other $(count "$other")"
[ -n "$fsharp" ] && echo "  FSharp.Core's own:$(kinds "$fsharp")"
if [ -n "$ours" ]; then
  printf '%s\n' "$ours"
  echo "FAIL: trim/AOT warnings from LuaScripts code (fix or annotate them: docs/aot.md)"
  failed=1
fi
if [ "$(count "$fsharp")" -gt "$budget" ]; then
  printf '%s\n' "$fsharp"
  echo "FAIL: more FSharp.Core warnings than the budget: new F# code reaches reflection-based FSharp.Core (docs/aot.md)"
  failed=1
fi
if [ -n "$other" ]; then
  printf '%s\n' "$other"
  echo "FAIL: trim/AOT warnings from other assemblies"
  failed=1
fi

exe="$out/LuaScripts.AotSample"
[ -x "$exe" ] || { echo "FAIL: no native executable at $exe"; exit 1; }
echo "native executable: $(du -h "$exe" | cut -f1)"
echo "== run the native executable against ${REDIS_URL:-localhost:6379}"
"$exe" --backend both || { echo "FAIL: the native sample found a wrong result"; failed=1; }
[ "$failed" -eq 0 ] && echo "AOT check passed"
exit "$failed"
