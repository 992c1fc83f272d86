#!/usr/bin/env bash
# Run after a Release build. Proves the LuaScript MSBuild item works as a user installs the package:
# packs LuaScripts and LuaScripts.Core into a throwaway folder, creates a throwaway console project with
# <LuaScript Include="Scripts/**/*.lua" /> (a command file and an included helper), and runs
# DefineCommandsFromAssembly and the command against $REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.0.0-smoke.$(date +%s)"
source scripts/local-feed.sh
pack_feed "$work/feed" "$version"
mkdir -p "$work/app/Scripts/helpers"
feed_project "$work/app" SmokeApp Microsoft.NET.Sdk LuaScripts "$version" "$work/feed" '<LuaScript Include="Scripts/**/*.lua" />'
printf -- '--! description: Greets.\n--- @include "helpers/greeting"\nreturn greeting(ARGV[1])\n' >"$work/app/Scripts/greet-0.lua"
printf -- 'local function greeting(name)\n  return "hello " .. name\nend\n' >"$work/app/Scripts/helpers/greeting.lua"
cat >"$work/app/Program.cs" <<'CS'
using LuaScripts;
using StackExchange.Redis;
var url = Environment.GetEnvironmentVariable("REDIS_URL")!;
using var mux = await ConnectionMultiplexer.ConnectAsync(url);
var client = new ScriptClient(mux);
var names = string.Join(", ", typeof(Program).Assembly.GetManifestResourceNames().Order(StringComparer.Ordinal));
var handles = client.DefineCommandsFromAssembly(typeof(Program).Assembly, "LuaScripts/");
var reply = (string?)await client.RunScriptAsync("greet", "package");
Console.WriteLine($"resources: {names}; commands: {string.Join(", ", handles.Select(h => h.Name))}; reply: {reply}");
return names == "LuaScripts/greet-0.lua, LuaScripts/helpers/greeting.lua" && reply == "hello package" ? 0 : 1;
CS
(cd "$work/app" && dotnet run -c Release -nologo)
