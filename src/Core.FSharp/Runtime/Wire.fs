namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.Threading.Tasks
open StackExchange.Redis

/// The commands the library sends, and nothing else: the only code that calls StackExchange.Redis
/// to send. Scripts go as raw EVAL/FCALL commands on purpose: StackExchange.Redis's own
/// string-script path resends a script whose own error text starts with NOSCRIPT, so that a script
/// could run twice. <see cref="RedisKey"/> arguments keep key routing and key prefixes.
[<RequireQualifiedAccess>]
module internal Wire =

    // numkeys boxed once for the usual counts: no box per call.
    let private boxedCounts: obj[] = Array.init 17 box

    // The arguments of EVAL and FCALL: the body (or function), numkeys, KEYS, ARGV.
    let private callArgs (first: obj) (inv: Invocation) : ICollection<obj> =
        let keys = inv.Keys
        let argv = inv.Argv
        let args = Array.zeroCreate<obj> (2 + keys.Length + argv.Length)
        args[0] <- first
        args[1] <- if keys.Length < boxedCounts.Length then boxedCounts[keys.Length] else box keys.Length
        for i in 0 .. keys.Length - 1 do
            args[2 + i] <- box keys[i]
        // RedisValue.Box(): a string or byte[] as it is, a small integer from StackExchange.Redis's
        // cache, so that an ARGV costs no box of its own where it can (it writes the same bytes).
        for i in 0 .. argv.Length - 1 do
            args[2 + keys.Length + i] <- argv[i].Box()
        args :> ICollection<obj>

    /// EVAL (or EVAL_RO): the body on the wire.
    let eval (db: IDatabaseAsync) (inv: Invocation) (readOnly: bool) (flags: CommandFlags) : Task<RedisResult> =
        db.ExecuteAsync((if readOnly then "EVAL_RO" else "EVAL"), callArgs (box inv.Script.Lua) inv, flags)

    /// EVALSHA (or EVALSHA_RO): only the digest on the wire; no fallback of StackExchange.Redis's own.
    /// EVALSHA_RO goes as a raw command: StackExchange.Redis 2.8's read-only overload sends plain
    /// EVALSHA, so a write in a read-only command would not be refused on the floor version.
    let evalsha (db: IDatabaseAsync) (inv: Invocation) (readOnly: bool) (flags: CommandFlags) : Task<RedisResult> =
        let script = inv.Script
        if readOnly then
            db.ExecuteAsync("EVALSHA_RO", callArgs (box script.Sha1) inv, flags)
        else
            db.ScriptEvaluateAsync(script.Sha1Bytes, inv.Keys, inv.Argv, flags)

    /// FCALL (or FCALL_RO) of the function a command was deployed as.
    let fcall (db: IDatabaseAsync) (fn: string) (inv: Invocation) (flags: CommandFlags) : Task<RedisResult> =
        db.ExecuteAsync((if inv.Script.ReadOnly then "FCALL_RO" else "FCALL"), callArgs (box fn) inv, flags)

    /// A raw command, as the caller gave it.
    let raw (db: IDatabaseAsync) (name: string) (args: obj[]) (flags: CommandFlags) : Task<RedisResult> =
        db.ExecuteAsync(name, args :> ICollection<obj>, flags)

    /// FUNCTION LOAD [REPLACE] of a library's source on one server.
    let functionLoad (server: IServer) (code: obj) (replace: bool) (flags: CommandFlags) : Task<RedisResult> =
        let args: obj[] = if replace then [| "LOAD"; "REPLACE"; code |] else [| "LOAD"; code |]
        server.ExecuteAsync("FUNCTION", args :> ICollection<obj>, flags)

    /// FUNCTION LOAD of a library's source, queued in a batch or a transaction.
    let functionLoadQueued (batch: IBatch) (code: obj) (flags: CommandFlags) : Task<RedisResult> =
        batch.ExecuteAsync("FUNCTION", [| box "LOAD"; code |] :> ICollection<obj>, flags)

    /// FUNCTION DELETE of a library, fire-and-forget.
    let functionDelete (server: IServer) (library: string) : unit =
        server.ExecuteAsync("FUNCTION", [| box "DELETE"; box library |] :> ICollection<obj>, CommandFlags.FireAndForget)
        |> ignore

    /// SCRIPT LOAD of a body on one server, or queued in a batch.
    let scriptLoad (target: Choice<IServer, IBatch>) (lua: string) (flags: CommandFlags) : Task<RedisResult> =
        let args = [| box "LOAD"; box lua |] :> ICollection<obj>
        match target with
        | Choice1Of2 server -> server.ExecuteAsync("SCRIPT", args, flags)
        | Choice2Of2 batch -> batch.ExecuteAsync("SCRIPT", args, flags ||| CommandFlags.DemandMaster)

    /// EVAL of a helper script (not a defined command) on one server, with no keys.
    let evalOn (server: IServer) (lua: string) (argv: obj[]) : Task<RedisResult> =
        server.ExecuteAsync("EVAL", Array.append [| box lua; box 0 |] argv :> ICollection<obj>)

    /// SCRIPT KILL or FUNCTION KILL (`kind` is "SCRIPT" or "FUNCTION") on one server.
    let kill (server: IServer) (kind: string) : Task<RedisResult> = server.ExecuteAsync(kind, [| box "KILL" |] :> ICollection<obj>)

    /// SCRIPT EXISTS of digests on one server: one 1 or 0 per digest.
    let scriptExists (server: IServer) (sha1s: string[]) : Task<RedisResult> =
        server.ExecuteAsync("SCRIPT", Array.append [| box "EXISTS" |] (Array.map box sha1s) :> ICollection<obj>)

    /// FUNCTION LIST LIBRARYNAME name WITHCODE on one server.
    let functionList (server: IServer) (library: string) : Task<RedisResult> =
        server.ExecuteAsync("FUNCTION", [| box "LIST"; box "LIBRARYNAME"; box library; box "WITHCODE" |] :> ICollection<obj>)

    /// COMMAND: every command the server knows, with where its keys are.
    let commandTable (server: IServer) : Task<RedisResult> = server.ExecuteAsync("COMMAND", Array.Empty<obj>() :> ICollection<obj>)

    /// COMMAND, waiting for the reply (StackExchange.Redis's own synchronous call).
    let commandTableNow (server: IServer) : RedisResult = server.Execute("COMMAND", Array.Empty<obj>() :> ICollection<obj>)

    /// Waits for a task without throwing: what it settled as.
    let settle (task: Task<RedisResult>) : Task<Settled> = task.ContinueWith(Settled.ofTask, TaskContinuationOptions.ExecuteSynchronously)
