#!/usr/bin/env bash
# Run after a Release build (./build.sh test builds first). Proves the packages work as a user installs them: packs the shipped packages into a
# throwaway folder, creates a throwaway console project that references LuaScripts from that folder
# (other dependencies come from the machine's usual package sources), and runs a define-and-run
# against $REDIS_URL, by name and through a [ScriptCommands] interface (the generator inside the package).
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
