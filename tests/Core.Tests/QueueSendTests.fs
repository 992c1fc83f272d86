/// Client.sendAs against a real redis-server: the queue's result converted inside the round's own
/// task, as the C# facade takes it.
module LuaScripts.Core.Tests.QueueSendTests

open System
open System.Threading.Tasks
open Expecto
open StackExchange.Redis
open LuaScripts.Core

let private defineIncr (client: Client) =
    let name = $"send_{Guid.NewGuid():N}"
    match Client.define name "return redis.call('INCRBY', KEYS[1], ARGV[1])" (KeyCount.Fixed 1) ScriptOptions.defaults client with
    | Ok _ -> name
    | Error e -> failtestf "define failed: %s" (DefinitionError.describe e)

let private queueOf (client: Client) transaction name (key: string) (amounts: int list) =
    let queue = if transaction then Client.transaction client else Client.pipeline client
    for amount in amounts do
        match Client.invoke name [| RedisValue.op_Implicit key; RedisValue.op_Implicit amount |] client with
        | Ok inv -> Expect.isOk (queue.Add(Step.Call inv)) "queued"
        | Error e -> failtestf "%s" (RunError.describe e)
    queue

[<Tests>]
let tests =
    testList
        "Client.sendAs"
        [ for transaction in [ false; true ] do
              let shape = if transaction then "a transaction" else "a pipeline"

              testCaseTask $"converts {shape}'s replies, in order, once"
              <| fun () ->
                  task {
                      let client = Server.client ()
                      let name = defineIncr client
                      let key = Server.prefix () + "n"
                      let mutable calls = 0
                      let convert =
                          Func<Result<Reply[], RunError>, int64 list>(fun sent ->
                              calls <- calls + 1
                              match sent with
                              | Ok replies ->
                                  replies
                                  |> Array.map (function
                                      | Ok r -> int64 r
                                      | Error _ -> -1L)
                                  |> List.ofArray
                              | Error e -> failwithf "%s" (RunError.describe e))
                      let! totals = Client.sendAs convert (queueOf client transaction name key [ 1; 2; 3 ]) client
                      Expect.equal totals [ 1L; 3L; 6L ] "each reply converted, in queue order"
                      Expect.equal calls 1 "converted once"
                  }

              testCaseTask $"faults {shape}'s task with what the conversion raises, after the round ran"
              <| fun () ->
                  task {
                      let client = Server.client ()
                      let name = defineIncr client
                      let key = Server.prefix () + "n"
                      let convert = Func<Result<Reply[], RunError>, int>(fun _ -> raise (InvalidOperationException "converted badly"))
                      let sent = Client.sendAs convert (queueOf client transaction name key [ 5 ]) client
                      do! (sent :> Task).ContinueWith(fun (_: Task) -> ())
                      Expect.isTrue sent.IsFaulted "the task is faulted"
                      Expect.equal (sent.Exception.GetBaseException().Message) "converted badly" "with the conversion's exception"
                      let! value = Server.adminDb().StringGetAsync(RedisKey.op_Implicit key)
                      Expect.equal (int64 value) 5L "the round itself ran"
                  }

          testCaseTask "an empty queue is converted without a round trip"
          <| fun () ->
              task {
                  let client = Server.client ()
                  let convert =
                      Func<Result<Reply[], RunError>, int>(fun sent ->
                          match sent with
                          | Ok r -> r.Length
                          | Error _ -> -1)
                  let! n = Client.sendAs convert (Client.pipeline client) client
                  Expect.equal n 0 "no replies"
              } ]
