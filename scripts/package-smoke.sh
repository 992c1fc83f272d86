#!/usr/bin/env bash
# Run after a Release build (./build.sh test builds first). Proves the packages work as a user installs them: packs LuaScripts and LuaScripts.Core into a
# throwaway folder, creates a throwaway console project that references LuaScripts from that folder
# (other dependencies come from the machine's usual package sources), and runs a define-and-run
# against $REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.0.0-smoke.$(date +%s)"
dotnet pack src/Core.FSharp/LuaScripts.Core.fsproj -c Release --no-build -o "$work/feed" -p:PackageVersion="$version" -nologo -v q
dotnet pack src/Facade.CSharp/LuaScripts.csproj -c Release --no-build -o "$work/feed" -p:PackageVersion="$version" -nologo -v q
mkdir -p "$work/app"
cat >"$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local-smoke" value="$work/feed" />
  </packageSources>
</configuration>
XML
cat >"$work/app/SmokeApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="LuaScripts" Version="$version" />
  </ItemGroup>
</Project>
XML
cat >"$work/app/Program.cs" <<'CS'
using LuaScripts;
using StackExchange.Redis;
var url = Environment.GetEnvironmentVariable("REDIS_URL")!;
using var mux = await ConnectionMultiplexer.ConnectAsync(url);
var client = new ScriptClient(mux);
client.DefineCommand("hello", new CommandDefinition("return 'hello ' .. ARGV[1]") { Keys = 0 });
var reply = (string?)await client.RunScriptAsync("hello", "package");
Console.WriteLine($"installed package replied: {reply}");
return reply == "hello package" ? 0 : 1;
CS
(cd "$work/app" && dotnet run -c Release -nologo)
