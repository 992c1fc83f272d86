# Sourced by the scripts that try the packages as a user installs them (package-smoke.sh,
# package-smoke-luascript.sh, readme-samples.sh): one way to pack the shipped packages into a
# throwaway feed, and one way to write a throwaway project that installs them from it.

# pack_feed FEED VERSION: packs every shipped package (after a Release build) into FEED.
pack_feed() {
  local p
  for p in src/Core.FSharp/LuaScripts.Core.fsproj src/Facade.CSharp/LuaScripts.csproj src/Hosting.CSharp/LuaScripts.Hosting.csproj; do
    if [ -f "$p" ]; then
      dotnet pack "$p" -c Release --no-build -o "$1" -p:PackageVersion="$2" -nologo -v q
    fi
  done
}

# pack_tool FEED VERSION: packs the luascripts command-line tool (after a Release build) into FEED.
pack_tool() {
  dotnet pack src/Tool.CSharp/LuaScripts.Tool.csproj -c Release --no-build -o "$1" -p:PackageVersion="$2" -nologo -v q
}

# feed_project DIR NAME SDK PACKAGE VERSION FEED [ITEM...]: DIR/nuget.config naming FEED, and
# DIR/NAME.csproj (net10.0, an executable unless SDK is Microsoft.NET.Sdk.Web) referencing PACKAGE
# at VERSION, plus any further item lines.
feed_project() {
  local dir=$1 name=$2 sdk=$3 package=$4 version=$5 feed=$6
  shift 6
  local output="<OutputType>Exe</OutputType>" item items=""
  [ "$sdk" = "Microsoft.NET.Sdk.Web" ] && output=""
  for item in "$@"; do items="$items
    $item"; done
  mkdir -p "$dir"
  cat >"$dir/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local-feed" value="$feed" />
  </packageSources>
</configuration>
XML
  cat >"$dir/$name.csproj" <<XML
<Project Sdk="$sdk">
  <PropertyGroup>
    $output
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="$package" Version="$version" />$items
  </ItemGroup>
</Project>
XML
}
