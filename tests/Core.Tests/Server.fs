/// The redis-server the server tests share: started once on first use (or the one REDIS_URL names),
/// stopped by Main when the run ends. A missing redis-server fails the tests that need it.
module LuaScripts.Core.Tests.Server

open System
open System.Threading.Tasks
open StackExchange.Redis
open StackExchange.Redis.Profiling
open LuaScripts.Core
open LuaScripts.TestServers

let private shared = lazy (new SharedRedis())

/// The StackExchange.Redis configuration string of the shared server.
let configuration () = shared.Value.Configuration

/// A new connection to the shared server (allowAdmin, so that tests can flush and inspect).
let connect () : ConnectionMultiplexer = shared.Value.Connect()

let private sharedMux = lazy (ConnectionMultiplexer.Connect($"{configuration ()},abortConnect=false"))

/// The connection tests use to check and disturb the server (SCRIPT FLUSH, INFO, GET).
let admin () : ConnectionMultiplexer = shared.Value.Admin

/// The admin connection's server.
let adminServer () : IServer = let a = admin () in a.GetServer(a.GetEndPoints()[0])

/// The admin connection's database, to read what tests wrote.
let adminDb () : IDatabase = admin().GetDatabase()

/// The connection clients under test run on (no admin rights).
let mux () : ConnectionMultiplexer = sharedMux.Value

/// The backend clients are created with: LUASCRIPTS_TEST_BACKEND (Scripts, the default, or Functions).
let backend: Backend =
    match TestBackend.Name with
    | "Functions" -> Backend.Functions
    | _ -> Backend.Scripts

/// Whether the run uses the Functions backend.
let isFunctions = TestBackend.IsFunctions

/// A client of its own (its own registry and load state) on the shared connection, with the run's backend.
let client () : Client = Client.createWith { ClientOptions.defaults with Backend = backend } (mux ())

/// Empties the server's script cache, through the admin connection.
let scriptFlush () = adminServer().ScriptFlush()

/// A fresh key prefix for one test.
let prefix () = $"coretests:{Guid.NewGuid():N}:"

/// Commands that background work of the multiplexer may send while a test profiles; they are not
/// the test's.
let private housekeeping = set [ "PING"; "ECHO"; "INFO"; "CLUSTER"; "CONFIG"; "CLIENT"; "SUBSCRIBE"; "ROLE"; "SENTINEL" ]

/// Runs an action with profiling on and returns the commands it sent (housekeeping left out).
let profile (mux: IConnectionMultiplexer) (action: unit -> Task) : Task<IProfiledCommand list> =
    task {
        let! commands = Wire.Profile(mux, Func<Task>(action))
        return commands |> Seq.filter (fun c -> not (housekeeping.Contains(c.Command.ToUpperInvariant()))) |> List.ofSeq
    }

/// Stops what this module started.
let stop () =
    if sharedMux.IsValueCreated then sharedMux.Value.Dispose()
    if shared.IsValueCreated then shared.Value.Dispose()
