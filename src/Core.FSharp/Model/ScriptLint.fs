namespace LuaScripts.Core

open System
open System.Text.RegularExpressions

/// Something a script does that is likely wrong, found without a server.
type LintWarning =
    {
        /// The command.
        Command: string
        /// Where: the file line (and include chain) for a command from files, else the body line in `Source.Line`.
        Location: SourceLocation
        /// What looks wrong.
        Message: string
    }

/// A cheap static check of script bodies: reads of KEYS beyond the declared key count, and keys that
/// do not come from KEYS (which breaks on a cluster). Line by line and by pattern, so it can miss
/// cases and it ignores what comments and strings hide only roughly; a warning is a hint, not a proof.
[<RequireQualifiedAccess>]
module ScriptLint =

    let private keysIndex = Regex(@"\bKEYS\s*\[\s*([0-9]+)\s*\]", RegexOptions.CultureInvariant)

    // redis.call('CMD', <first argument>: a string literal or an ARGV element.
    let private call =
        Regex(@"\bredis\s*\.\s*p?call\s*\(\s*['""]([A-Za-z]+)['""]\s*,\s*(['""]|ARGV\s*\[)", RegexOptions.CultureInvariant)

    // Commands whose first argument is not a key.
    let private keyless =
        set
            [ "PUBLISH"
              "SPUBLISH"
              "ECHO"
              "PING"
              "TIME"
              "INFO"
              "SELECT"
              "FUNCTION"
              "SCRIPT"
              "CLUSTER"
              "CONFIG"
              "COMMAND"
              "CLIENT"
              "EVAL"
              "EVALSHA"
              "FCALL"
              "OBJECT"
              "MEMORY"
              "ACL"
              "DEBUG"
              "WAIT"
              "XINFO"
              "XGROUP" ]

    let private stripComment (line: string) =
        let at = line.IndexOf("--", StringComparison.Ordinal)
        if at < 0 then line else line.Substring(0, at)

    /// The warnings for one script, in line order.
    [<CompiledName("Check")>]
    let check (script: Script) : LintWarning list =
        let lines = Includes.lines script.Lua
        let locate (n: int) =
            script.Source
            |> Option.bind (SourceMap.locate n)
            |> Option.defaultValue { Source = { File = script.Name; Line = n }; IncludedFrom = [] }
        [ for i in 0 .. lines.Length - 1 do
              let code = stripComment lines[i]
              match script.KeyCount with
              | KeyCount.Fixed declared ->
                  for m in keysIndex.Matches code do
                      let n = int m.Groups[1].Value
                      if n > declared then
                          { Command = script.Name
                            Location = locate (i + 1)
                            Message = $"reads KEYS[{n}] but the command declares {declared} key(s)" }
              | KeyCount.Dynamic -> ()
              for m in call.Matches code do
                  let command = m.Groups[1].Value.ToUpperInvariant()
                  if not (keyless.Contains command) then
                      let from =
                          if m.Groups[2].Value.StartsWith("ARGV", StringComparison.Ordinal) then "an ARGV value" else "a string literal"
                      { Command = script.Name
                        Location = locate (i + 1)
                        Message = $"{command} touches a key given as {from}, not from KEYS (on a cluster the key may live on another node)" } ]

    /// "name: file:line: message".
    [<CompiledName("Describe")>]
    let describe (warning: LintWarning) = $"{warning.Command}: {SourceMap.describe warning.Location}: {warning.Message}"
