namespace LuaScripts.Core

open System.Collections.Concurrent
open System.Net

/// Which script SHAs are known to be loaded on which server. "Known" means a reply proved it: a
/// successful EVAL, EVALSHA or SCRIPT LOAD there. Thread-safe. Only the interpreter changes it: it
/// forgets a script on NOSCRIPT and a whole server when its connection fails or is restored.
[<Sealed>]
type internal LoadState() =
    let servers = ConcurrentDictionary<EndPoint, ConcurrentDictionary<string, byte>>()
    static let newSet = System.Func<EndPoint, ConcurrentDictionary<string, byte>>(fun _ -> ConcurrentDictionary<string, byte>())
    [<VolatileField>]
    let mutable generation = 0L
    let changed () = System.Threading.Interlocked.Increment(&generation) |> ignore

    /// A number that changes whenever what is known changes (a script learnt or forgotten anywhere):
    /// a conclusion drawn from the state at one generation holds while the generation is the same.
    member _.Generation: int64 = generation

    /// Whether a reply proved the script loaded on the server (false for an unknown server).
    member _.IsLoaded(endPoint: EndPoint, sha1: string) : bool =
        not (isNull endPoint)
        && (match servers.TryGetValue endPoint with
            | true, shas -> shas.ContainsKey sha1
            | _ -> false)

    /// Records that a reply proved the script loaded on the server.
    member _.MarkLoaded(endPoint: EndPoint, sha1: string) : unit =
        if not (isNull endPoint) then
            let shas = servers.GetOrAdd(endPoint, newSet)
            // Already known is the common case: a read takes no lock.
            if not (shas.ContainsKey sha1) && shas.TryAdd(sha1, 0uy) then changed ()

    /// Forgets one script on one server (after a NOSCRIPT from it).
    member _.Forget(endPoint: EndPoint, sha1: string) : unit =
        if not (isNull endPoint) then
            match servers.TryGetValue endPoint with
            | true, shas -> if shas.TryRemove(sha1) |> fst then changed ()
            | _ -> ()

    /// Forgets everything about one server (its connection failed or was restored: it may have restarted).
    member _.ForgetServer(endPoint: EndPoint) : unit =
        if not (isNull endPoint) then
            servers.TryRemove(endPoint) |> ignore
            changed ()

    /// Forgets everything.
    member _.Clear() : unit =
        servers.Clear()
        changed ()

    /// The servers on which the script is known loaded.
    member _.LoadedOn(sha1: string) : EndPoint list =
        [ for KeyValue(endPoint, shas) in servers do
              if shas.ContainsKey sha1 then endPoint ]
