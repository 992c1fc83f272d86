#!/usr/bin/env bash
# Run after a Release build, with REDIS_URL set (scripts/with-redis.sh sets it). Proves README.md's C#
# samples run as written, top to bottom, against the packages as a user installs them:
#   - every ```csharp block must follow a marker line: <!-- sample: client --> (statements of one
#     console program, in order), <!-- sample: client-types --> (type declarations of that program) or
#     <!-- sample: web --> (one ASP.NET Core program, built but not served); an unmarked block fails;
#   - the console program runs against $REDIS_URL and must exit 0; the web program must build;
#   - README.md (packed into the packages) has no relative links, which break on a package page.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${REDIS_URL:?REDIS_URL must name a redis-server (scripts/with-redis.sh starts one)}"

if grep -nE '\]\((\.|[A-Za-z0-9_-]+/|[A-Za-z0-9_-]+\.md)' README.md | grep -vE '\]\((https?:|#)'; then
  echo "README.md has relative links (above): they break on a package page" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/client" "$work/web"

# Split the README's C# blocks by their marker.
python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
text = open("README.md", encoding="utf-8").read().splitlines()
out = {"client": [], "client-types": [], "web": []}
marker = None
i = 0
while i < len(text):
    line = text[i]
    m = re.match(r"<!-- sample: ([a-z-]+) -->", line.strip())
    if m:
        marker = m.group(1)
        if marker not in out:
            sys.exit(f"README.md:{i+1}: unknown sample kind '{marker}'")
    elif line.strip().startswith("```csharp"):
        if marker is None:
            sys.exit(f"README.md:{i+1}: a C# block without a '<!-- sample: ... -->' marker line before it")
        i += 1
        block = []
        while not text[i].strip().startswith("```"):
            block.append(text[i]); i += 1
        out[marker].append("\n".join(block))
        marker = None
    elif line.strip():
        marker = None if not line.strip().startswith("<!--") else marker
    i += 1
open(f"{work}/client/Program.cs", "w").write("\n\n".join(out["client"]) + "\n")
open(f"{work}/client/Types.cs", "w").write("using StackExchange.Redis;\nusing LuaScripts;\n\n" + "\n\n".join(out["client-types"]) + "\n")
open(f"{work}/web/Program.cs", "w").write("\n\n".join(out["web"]) + "\n")
print(f"README samples: {len(out['client'])} client blocks, {len(out['client-types'])} type blocks, {len(out['web'])} web blocks")
if not out["client"]:
    sys.exit("README.md has no client sample")
PY

version="0.0.0-readme.$(date +%s)"
source scripts/local-feed.sh
pack_feed "$work/feed" "$version"
feed_project "$work/client" ReadmeClient Microsoft.NET.Sdk LuaScripts "$version" "$work/feed"
echo "== README client sample (runs against $REDIS_URL)"
(cd "$work/client" && dotnet run -c Release -nologo)

if [ -s "$work/web/Program.cs" ] && [ -f src/Hosting.CSharp/LuaScripts.Hosting.csproj ]; then
  feed_project "$work/web" ReadmeWeb Microsoft.NET.Sdk.Web LuaScripts.Hosting "$version" "$work/feed"
  echo "== README web sample (built)"
  (cd "$work/web" && dotnet build -c Release -nologo -v q -clp:ErrorsOnly)
fi
echo "README samples: ok"
