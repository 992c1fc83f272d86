namespace LuaScripts.Core

open System.Threading.Tasks
open StackExchange.Redis

/// Stopping a script or function that keeps a server busy (BUSY).
[<RequireQualifiedAccess>]
module internal Kill =

    // The outcome on one server: killed, nothing running, or why it could not be killed.
    let private on (functionsFirst: bool) (server: IServer) : Task<Result<bool, NodeFailure>> =
        task {
            let first = if functionsFirst then "FUNCTION" else "SCRIPT"
            let! settled = Wire.settle (Wire.kill server first)
            // A Functions client still runs as scripts what the library left out: try SCRIPT KILL too.
            let! settled =
                match settled with
                | Settled.Refused(_, kind) when functionsFirst && kind <> ReplyKind.Unkillable -> Wire.settle (Wire.kill server "SCRIPT")
                | other -> Task.FromResult other
            return
                match settled with
                | Settled.Answered _ -> Ok true
                | Settled.Refused(_, ReplyKind.NotBusy) -> Ok false
                | Settled.Refused(message, _) -> Error { EndPoint = server.EndPoint; Reason = message }
                | Settled.Cancelled -> Error { EndPoint = server.EndPoint; Reason = "cancelled" }
                | Settled.Broken e -> Error { EndPoint = server.EndPoint; Reason = e.Message }
        }

    /// Sends SCRIPT KILL (or FUNCTION KILL, then SCRIPT KILL, for a client that may run functions) to
    /// every connected server. A script that already wrote cannot be killed (UNKILLABLE): its server
    /// is a failure, and only SHUTDOWN NOSAVE stops it.
    let running (context: Context) : Task<Result<KillOutcome, NodeFailure list>> =
        task {
            let servers = context.Multiplexer.GetServers() |> Array.filter (fun s -> s.IsConnected)
            let! outcomes = Task.WhenAll(servers |> Array.map (on context.Functions.MayUseFunctions))
            let failures =
                outcomes
                |> Array.choose (function
                    | Error f -> Some f
                    | Ok _ -> None)
                |> List.ofArray
            let killed =
                Array.zip servers outcomes
                |> Array.choose (fun (s, o) ->
                    match o with
                    | Ok true -> Some s.EndPoint
                    | _ -> None)
                |> List.ofArray
            if not failures.IsEmpty then return Error failures
            elif killed.IsEmpty then return Ok KillOutcome.NotBusy
            else return Ok(KillOutcome.Killed killed)
        }
