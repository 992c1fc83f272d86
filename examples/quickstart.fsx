// LuaScripts from F# interactive: define a command, run it by name, run two scripts in one round trip.
// Run after a Release build:  REDIS_URL=127.0.0.1:6379 dotnet fsi examples/quickstart.fsx
// (./build.sh test runs it against a throwaway redis-server.)
#r "nuget: StackExchange.Redis, 3.4.35"
#r "../src/Core.FSharp/bin/Release/net10.0/LuaScripts.Core.dll"

open System
open LuaScripts.Core
open StackExchange.Redis

let url =
    match Environment.GetEnvironmentVariable "REDIS_URL" with
    | null
    | "" -> "127.0.0.1:6379"
    | u when u.StartsWith "redis://" -> u.Substring("redis://".Length).TrimEnd('/')
    | u -> u

let mux = ConnectionMultiplexer.Connect url
let client = Client.create mux
let value (s: string) = RedisValue.op_Implicit s
let number (n: int64) = RedisValue.op_Implicit n
let key = $"quickstart:{Guid.NewGuid():N}"

let incrBy =
    Client.define
        "incr_by"
        "redis.call('INCRBY', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])"
        (KeyCount.Fixed 1)
        { ScriptOptions.defaults with Description = Some "add to a counter and read it" }
        client

match incrBy with
| Ok script -> printfn "defined %s (sha1 %s)" script.Name script.Sha1
| Error e -> failwith (DefinitionError.describe e)

let first = (Client.run "incr_by" [ value key; number 5L ] client).Result
let second = (Client.run "incr_by" [ value key; number 2L ] client).Result

match first, second with
| Ok a, Ok b -> printfn "incr_by %s 5 -> %s; incr_by %s 2 -> %s" key (string a) key (string b)
| _ -> failwithf "unexpected: %A %A" first second

// Two scripts, one round trip: `and!` keeps both commands in the same batch.
let both =
    match Client.call "incr_by" [ value key; number 10L ] client, Client.call "incr_by" [ value key; number 100L ] client with
    | Ok a, Ok b ->
        program {
            let! x = a
            and! y = b
            return int64 x, int64 y
        }
    | _ -> failwith "bad arguments"

printfn "commands in the round trip: %d" (Program.explain both |> List.length)

match (Client.execute both client).Result with
| Ok(x, y) -> printfn "pipelined: %d then %d" x y
| Error errors -> failwithf "failed: %A" errors

match incrBy with
| Ok script -> printfn "loaded on: %s" (Client.loadedOn script client |> List.map string |> String.concat ", ")
| Error _ -> ()

// The same command deployed as a Redis Function library (Redis 7+): FCALL instead of EVALSHA.
let functions = Client.createWith { ClientOptions.defaults with Backend = Backend.Functions } mux
Client.define "incr_by" "return redis.call('INCRBY', KEYS[1], ARGV[1])" (KeyCount.Fixed 1) ScriptOptions.defaults functions
|> Result.mapError DefinitionError.describe
|> Result.defaultWith failwith
|> ignore

match (Client.run "incr_by" [ value key; number 1000L ] functions).Result with
| Ok v -> printfn "as a function: %d (library %s)" (int64 v) (Client.functionLibrary functions).Name
| Error e -> failwith (RunError.describe e)

mux.Dispose()
