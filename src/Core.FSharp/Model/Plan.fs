namespace LuaScripts.Core

open System
open System.Collections.Generic

/// How a client runs its commands on the server.
[<RequireQualifiedAccess>]
type Backend =
    /// EVAL/EVALSHA: each server's script cache, healed on NOSCRIPT. Works on every Redis version.
    | Scripts
    /// FCALL/FCALL_RO: the commands deployed as one Redis Function library (Redis 7.0+), stored with
    /// the data, replicated and persisted; healed on "Function not found".
    | Functions
    /// Functions where every server is Redis 7.0 or newer and the user may run FUNCTION LOAD,
    /// Scripts otherwise; decided once per client, on first use.
    | Auto

/// A library version loaded for a registry version, with what calls and guards need, computed once.
type internal Deployed =
    {
        /// The library.
        Library: FunctionLibrary
        /// Each included script's function name, keyed by the very script object it was made from.
        Functions: IReadOnlyDictionary<Script, string>
        /// The library's source as UTF-8, as every guard sends it.
        Code: byte[]
        /// The server's whole reply when a plain FUNCTION LOAD finds the library already there.
        AlreadyLoaded: string
    }

/// How a registry version runs: as a loaded function library, or (Auto on a server that cannot) as
/// scripts.
[<RequireQualifiedAccess>]
type internal Plan =
    /// Auto found that the servers cannot run functions for this client; every command is a script.
    | ScriptsOnly of reason: string
    /// The library is loaded on every connected primary; commands it holds run with FCALL.
    | Library of Deployed

/// Functions over <see cref="Plan"/>.
[<RequireQualifiedAccess>]
module internal Plan =
    /// The function a script runs as, or null when it runs as a script (Scripts plan, a definition
    /// left out of the library, a handle to an older definition).
    [<CompiledName("FunctionFor")>]
    let functionFor (script: Script) (plan: Plan) : string =
        match plan with
        | Plan.Library deployed ->
            match deployed.Functions.TryGetValue script with
            | true, name -> name
            | _ -> null
        | Plan.ScriptsOnly _ -> null

    /// The plan for a library: its functions keyed by the very script objects they were made from.
    [<CompiledName("OfLibrary")>]
    let ofLibrary (library: FunctionLibrary) (scripts: Script seq) : Plan =
        let functions = Dictionary<Script, string>(HashIdentity.Reference)
        for s in scripts do
            match library.Functions.TryFind s.Name with
            | Some fn -> functions[s] <- fn
            | None -> ()
        Plan.Library
            { Library = library
              Functions = functions
              Code = Text.Encoding.UTF8.GetBytes library.Code
              AlreadyLoaded = Replies.libraryExistsText library.Name }
