#!/usr/bin/env bash
# Run after a Release build (./build.sh test builds first). Proves the packages work as a user installs them: packs the shipped packages into a
# throwaway folder, creates a throwaway console project that references LuaScripts from that folder
# (other dependencies come from the machine's usual package sources), and runs a define-and-run
# against $REDIS_URL, by name and through a [ScriptCommands] interface (the generator inside the
# package); then installs the luascripts tool from the same folder as a local tool and checks a
# clean scripts directory (exit 0) and a broken one (exit 1) against $REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.0.0-smoke.$(date +%s)"
source scripts/local-feed.sh
pack_feed "$work/feed" "$version"
feed_project "$work/app" SmokeApp Microsoft.NET.Sdk LuaScripts "$version" "$work/feed"
cat >"$work/app/Program.cs" <<'CS'
using LuaScripts;
using StackExchange.Redis;
var url = Environment.GetEnvironmentVariable("REDIS_URL")!;
using var mux = await ConnectionMultiplexer.ConnectAsync(url);
var client = new ScriptClient(mux);
client.DefineCommand("hello", new CommandDefinition("return 'hello ' .. ARGV[1]") { Keys = 0 });
var reply = (string?)await client.RunScriptAsync("hello", "package");
Console.WriteLine($"installed package replied: {reply}");
// The [ScriptCommands] generator comes inside the package (analyzers/dotnet/cs): nothing else referenced.
var generated = await IGreeting.Create(client).Hello("generated");
Console.WriteLine($"generated binding replied: {generated}");
return reply == "hello package" && generated == "hello generated" ? 0 : 1;

[ScriptCommands]
public partial interface IGreeting
{
    [ScriptCommand("hello")] Task<string?> Hello(string name);
}
CS
(cd "$work/app" && dotnet run -c Release -nologo)

# The tool, installed as a user installs it: a local tool from the feed, run with `dotnet luascripts`.
pack_tool "$work/feed" "$version"
mkdir -p "$work/tool/scripts/helpers" "$work/tool/broken"
printf -- '--! keys: 1\n--- @include "helpers/incr"\nreturn incr(KEYS[1])\n' >"$work/tool/scripts/bump.lua"
printf -- '-- helper\nlocal function incr(key) return redis.call("INCR", key) end\n' >"$work/tool/scripts/helpers/incr.lua"
printf -- 'local a = 1\nreturn a +\n' >"$work/tool/broken/broken-0.lua"
(
  cd "$work/tool"
  dotnet new tool-manifest >/dev/null
  dotnet tool install LuaScripts.Tool --version "$version" --add-source "$work/feed" >/dev/null
  dotnet luascripts check scripts --redis "$REDIS_URL"
  echo "installed tool: the clean directory passed (exit 0)"
  status=0
  dotnet luascripts check broken --redis "$REDIS_URL" || status=$?
  if [ "$status" -ne 1 ]; then
    echo "installed tool: expected exit 1 for the broken directory, got $status" >&2
    exit 1
  fi
  echo "installed tool: the broken directory failed as expected (exit 1)"
)
