/// The round planner and the round-outcome function (pure): what each position sends, what is
/// resent and which load marks are set, checked by properties without a server. The stand-in server
/// below keeps a script cache per endpoint and flushes it wherever the property says.
module LuaScripts.Core.Tests.RoundTests

open System.Net
open Expecto
open FsCheck
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private scripts = [| for i in 0..2 -> scriptOf $"s{i}" $"return {i}" (KeyCount.Fixed 1) |]
let private servers: EndPoint[] = [| DnsEndPoint("a", 1); DnsEndPoint("b", 1); null |]

/// A round built from small numbers: each item is (script or raw, server, key tag).
let private roundOf (spec: (byte * byte * byte) list) =
    let items = spec |> List.truncate 40 |> List.toArray
    let steps =
        items
        |> Array.mapi (fun i (s, _, _) ->
            if s % 4uy = 3uy then Step.Raw("ECHO", [| box $"raw{i}" |]) else Step.Call(invocationOf scripts[int s % 4] [| rv $"k{i}" |]))
    let endPoints =
        items
        |> Array.mapi (fun i (_, e, _) ->
            match steps[i] with
            | Step.Call _ -> servers[int e % 3]
            | Step.Raw _ -> null)
    steps, endPoints

let private functionsFor (mask: byte) (script: Script) =
    let i = scripts |> Array.findIndex (fun s -> obj.ReferenceEquals(s, script))
    if (int mask >>> i) &&& 1 = 1 then $"fn_{script.Name}" else null

let private noFunctions (_: Script) : string = null

let private noScriptLoaded (_: EndPoint) (_: Script) = false

let private modeOf transaction = if transaction then RoundMode.Transaction else RoundMode.Pipeline

/// The stand-in server's answer to one position: its step's own id, so order is visible.
let private idOf (i: int) (step: Step) =
    match step with
    | Step.Call inv -> $"{inv.Script.Name}:{string inv.Keys[0]}"
    | Step.Raw _ -> $"raw{i}"

/// Runs a planned round on a stand-in server whose per-endpoint script cache starts as `cached`
/// and is flushed before the positions `flushBefore` names.
let private play (plan: RoundPlan) (steps: Step[]) (cached: bool) (flushBefore: Set<int>) : Settled[] =
    let cache = System.Collections.Generic.HashSet<struct (EndPoint * string)>()
    if cached then
        for e in servers do
            for s in scripts do
                cache.Add(struct (e, s.Sha1)) |> ignore
    steps
    |> Array.mapi (fun i step ->
        if flushBefore.Contains i then cache.Clear()
        let answer () = Settled.Answered(RedisResult.Create(rv (idOf i step)))
        match step, plan.Sends[i] with
        | Step.Call inv, Send.Eval ->
            cache.Add(struct (plan.EndPoints[i], inv.Script.Sha1)) |> ignore
            answer ()
        | Step.Call inv, Send.Evalsha ->
            if cache.Contains(struct (plan.EndPoints[i], inv.Script.Sha1)) then
                answer ()
            else
                Settled.Refused(Replies.NoScriptText, ReplyKind.NoScript)
        | _ -> answer ())

let private report settled = { Discarded = None; GuardFailure = None; Settled = Outcomes.Of settled }

/// The servers a byte's bits name (bit i: servers[i]; the unknown server never holds anything).
let private serversIn (mask: byte) (e: EndPoint) =
    not (isNull e) && (int mask >>> (servers |> Array.findIndex (fun s -> obj.Equals(s, e)))) &&& 1 = 1

/// Runs a planned round on a stand-in server where the function library is on the servers `holding`
/// names (a FUNCTION FLUSH the client has not seen took it from the others): a guard loads it first,
/// an FCALL without it is refused "Function not found" and runs nothing. Scripts' bodies answer.
let private playFunctions (plan: RoundPlan) (steps: Step[]) (holding: EndPoint -> bool) : Settled[] =
    let has (e: EndPoint) = plan.TransactionGuard || holding e || plan.PipelineGuards |> Array.exists (fun g -> obj.Equals(g, e))
    steps
    |> Array.mapi (fun i step ->
        match plan.Sends[i] with
        | Send.Fcall _ when not (has plan.EndPoints[i]) -> Settled.Refused(Replies.FunctionNotFoundText, ReplyKind.FunctionNotFound)
        | _ -> Settled.Answered(RedisResult.Create(rv (idOf i step))))

let private isFcallAt (plan: RoundPlan) i =
    match plan.Sends[i] with
    | Send.Fcall _ -> true
    | _ -> false

let private planTests =
    testList
        "RoundPlan"
        [ testProperty "an EVALSHA always follows its body, sent earlier in the round to the same known server"
          <| fun (spec: (byte * byte * byte) list) (transaction: bool) ->
              let steps, endPoints = roundOf spec
              let plan = RoundPlan.make (modeOf transaction) noFunctions endPoints steps
              plan.Sends
              |> Array.mapi (fun i send ->
                  match send, steps[i] with
                  | Send.Evalsha, Step.Call inv ->
                      not (isNull endPoints[i])
                      && Seq.exists
                          (fun j ->
                              plan.Sends[j] = Send.Eval
                              && (match steps[j] with
                                  | Step.Call o -> obj.ReferenceEquals(o.Script, inv.Script)
                                  | _ -> false)
                              && obj.Equals(endPoints[j], endPoints[i]))
                          (seq { 0 .. i - 1 })
                  | _ -> true)
              |> Array.forall id

          testProperty "each script's first use per server carries the body; raw commands stay raw"
          <| fun (spec: (byte * byte * byte) list) (transaction: bool) ->
              let steps, endPoints = roundOf spec
              let plan = RoundPlan.make (modeOf transaction) noFunctions endPoints steps
              let evals =
                  [ for i in 0 .. steps.Length - 1 do
                        match steps[i], plan.Sends[i] with
                        | Step.Call inv, Send.Eval when not (isNull endPoints[i]) -> struct (endPoints[i], inv.Script.Sha1)
                        | _ -> () ]
              let distinctUses =
                  [ for i in 0 .. steps.Length - 1 do
                        match steps[i] with
                        | Step.Call inv when not (isNull endPoints[i]) -> struct (endPoints[i], inv.Script.Sha1)
                        | _ -> () ]
                  |> List.distinct
              evals = distinctUses
              && Array.forall2
                  (fun step send ->
                      (match step with
                       | Step.Raw _ -> send = Send.Raw
                       | Step.Call _ -> send <> Send.Raw))
                  steps
                  plan.Sends

          testProperty "FCALL exactly where a function exists and the server is known (or in a transaction); guards follow"
          <| fun (spec: (byte * byte * byte) list) (transaction: bool) (mask: byte) ->
              let steps, endPoints = roundOf spec
              let mode = modeOf transaction
              let plan = RoundPlan.make mode (functionsFor mask) endPoints steps
              let expectFcall i =
                  match steps[i] with
                  | Step.Call inv -> not (isNull (functionsFor mask inv.Script)) && (transaction || not (isNull endPoints[i]))
                  | Step.Raw _ -> false
              let isFcall i =
                  match plan.Sends[i] with
                  | Send.Fcall _ -> true
                  | _ -> false
              let fcalls = [ 0 .. steps.Length - 1 ] |> List.filter isFcall
              List.forall (fun i -> expectFcall i = isFcall i) [ 0 .. steps.Length - 1 ]
              && plan.TransactionGuard = (transaction && not fcalls.IsEmpty)
              && (if transaction then
                      plan.PipelineGuards.Length = 0
                  else
                      List.ofArray plan.PipelineGuards = (fcalls |> List.map (fun i -> endPoints[i]) |> List.distinct))

          testProperty "a pipeline leaves a guard out only where the library is proved loaded and only FCALLs follow the first FCALL"
          <| fun (spec: (byte * byte * byte) list) (mask: byte) (loaded: byte) ->
              let steps, endPoints = roundOf spec
              let plan = RoundPlan.plan RoundMode.Pipeline (functionsFor mask) (serversIn loaded) noScriptLoaded endPoints steps
              let full = RoundPlan.make RoundMode.Pipeline (functionsFor mask) endPoints steps
              let fcalls = [ 0 .. steps.Length - 1 ] |> List.filter (isFcallAt plan)
              let onlyFcallsAfter =
                  match fcalls with
                  | [] -> false
                  | first :: _ -> [ first .. steps.Length - 1 ] |> List.forall (isFcallAt plan)
              let expected = full.PipelineGuards |> Array.filter (fun e -> not (onlyFcallsAfter && serversIn loaded e))
              plan.Sends = full.Sends
              && plan.PipelineGuards = expected
              && plan.GuardSkipped = (expected.Length < full.PipelineGuards.Length)
              && not plan.TransactionGuard

          testProperty "a transaction leaves its guard out only when it is all FCALLs to one server proved to hold the library"
          <| fun (spec: (byte * byte * byte) list) (mask: byte) (loaded: byte) (oneServer: bool) ->
              let steps, endPoints = roundOf spec
              let endPoints = if oneServer then endPoints |> Array.map (fun _ -> servers[int loaded % 3]) else endPoints
              let plan = RoundPlan.plan RoundMode.Transaction (functionsFor mask) (serversIn loaded) noScriptLoaded endPoints steps
              let full = RoundPlan.make RoundMode.Transaction (functionsFor mask) endPoints steps
              let allFcalls = steps.Length > 0 && [ 0 .. steps.Length - 1 ] |> List.forall (isFcallAt plan)
              let oneKnown =
                  steps.Length > 0 && not (isNull endPoints[0]) && endPoints |> Array.forall (fun e -> obj.Equals(e, endPoints[0]))
              let skip = allFcalls && oneKnown && serversIn loaded endPoints[0]
              plan.Sends = full.Sends
              && full.TransactionGuard = not (List.isEmpty ([ 0 .. steps.Length - 1 ] |> List.filter (isFcallAt plan)))
              && plan.TransactionGuard = (full.TransactionGuard && not skip)
              && plan.GuardSkipped = skip
              && plan.PipelineGuards.Length = 0

          testProperty "a pipeline sends no body only when it is all calls, each to a server proved to hold its script"
          <| fun (spec: (byte * byte * byte) list) (loaded: byte) ->
              let steps, endPoints = roundOf spec
              let holds (e: EndPoint) (script: Script) = serversIn loaded e && not (obj.ReferenceEquals(script, scripts[int loaded % 3]))
              let plan = RoundPlan.plan RoundMode.Pipeline noFunctions (fun _ -> true) holds endPoints steps
              let full = RoundPlan.make RoundMode.Pipeline noFunctions endPoints steps
              let skip =
                  steps.Length > 0
                  && steps
                     |> Array.mapi (fun i step ->
                         match step with
                         | Step.Call inv -> holds endPoints[i] inv.Script
                         | Step.Raw _ -> false)
                     |> Array.forall id
              plan.GuardSkipped = skip && (if skip then plan.Sends |> Array.forall ((=) Send.Evalsha) else plan.Sends = full.Sends)

          testProperty "a transaction sends no body only when it is calls of one script to one server proved to hold it"
          <| fun (spec: (byte * byte * byte) list) (loaded: byte) (oneServer: bool) (oneScript: bool) ->
              let steps, endPoints = roundOf spec
              let steps =
                  if oneScript then
                      steps |> Array.mapi (fun i _ -> Step.Call(invocationOf scripts[int loaded % 3] [| rv $"k{i}" |]))
                  else
                      steps
              let endPoints = if oneServer then steps |> Array.map (fun _ -> servers[int loaded % 3]) else endPoints
              let endPoints =
                  steps
                  |> Array.mapi (fun i step ->
                      match step with
                      | Step.Raw _ -> null
                      | Step.Call _ -> endPoints[i])
              let holds (e: EndPoint) (script: Script) = serversIn loaded e && not (obj.ReferenceEquals(script, scripts[2]))
              let plan = RoundPlan.plan RoundMode.Transaction noFunctions (fun _ -> true) holds endPoints steps
              let full = RoundPlan.make RoundMode.Transaction noFunctions endPoints steps
              let scriptOfStep =
                  function
                  | Step.Call inv -> inv.Script
                  | Step.Raw _ -> Unchecked.defaultof<Script>
              let skip =
                  steps.Length > 0
                  && not (isNull endPoints[0])
                  && endPoints |> Array.forall (fun e -> obj.Equals(e, endPoints[0]))
                  && steps |> Array.forall (fun step -> obj.ReferenceEquals(scriptOfStep step, scriptOfStep steps[0]))
                  && not (obj.ReferenceEquals(scriptOfStep steps[0], null))
                  && holds endPoints[0] (scriptOfStep steps[0])
              plan.GuardSkipped = skip
              && not plan.TransactionGuard
              && (if skip then
                      plan.Sends |> Array.forall ((=) Send.Evalsha) && obj.Equals(plan.GuardEndPoint, endPoints[0])
                  else
                      plan.Sends = full.Sends) ]

let private outcomeTests =
    testList
        "RoundOutcome"
        [ testProperty "a pipeline under any flushes: every reply is its own step's, in the caller's order, after the resends"
          <| fun (spec: (byte * byte * byte) list) (cached: bool) (flushes: byte list) ->
              let steps, endPoints = roundOf spec
              let plan = RoundPlan.make RoundMode.Pipeline noFunctions endPoints steps
              let flushBefore = flushes |> List.map (fun b -> int b % (max 1 steps.Length)) |> Set.ofList
              let outcome = RoundOutcome.decide plan null steps (report (play plan steps cached flushBefore))
              // The backstop: resent positions run again with their body, which always answers.
              for i in outcome.ResendWithBody do
                  outcome.Replies[i] <- Ok(RedisResult.Create(rv (idOf i steps[i])))
              outcome.Raise.IsNone
              && outcome.CallAgain.IsEmpty
              && outcome.Replies
                 |> Array.mapi (fun i r ->
                     match r with
                     | Ok v -> string v = idOf i steps[i]
                     | Error _ -> false)
                 |> Array.forall id

          testProperty "a pipeline without bodies under any flushes: after a call that missed, its server ran nothing of the batch"
          <| fun (spec: (byte * byte * byte) list) (cached: bool) (flushes: byte list) ->
              let steps, endPoints = roundOf spec
              // Calls only, each to a known server.
              let steps =
                  steps
                  |> Array.mapi (fun i step ->
                      match step with
                      | Step.Raw _ -> Step.Call(invocationOf scripts[i % 3] [| rv $"k{i}" |])
                      | call -> call)
              let endPoints = endPoints |> Array.map (fun e -> if isNull e then servers[0] else e)
              let plan = RoundPlan.plan RoundMode.Pipeline noFunctions (fun _ -> false) (fun _ _ -> true) endPoints steps
              let flushBefore = flushes |> List.map (fun b -> int b % (max 1 steps.Length)) |> Set.ofList
              let settled = play plan steps cached flushBefore
              let outcome = RoundOutcome.decide plan null steps (report settled)
              let resent = Set.ofList outcome.ResendWithBody
              (steps.Length = 0 || plan.GuardSkipped)
              && outcome.CallAgain.IsEmpty
              && resent
                 |> Set.forall (fun i ->
                     [ i + 1 .. steps.Length - 1 ]
                     |> List.forall (fun j -> not (obj.Equals(endPoints[j], endPoints[i])) || resent.Contains j))
              && [ 0 .. steps.Length - 1 ]
                 |> List.forall (fun i ->
                     resent.Contains i
                     || (match outcome.Replies[i] with
                         | Ok r -> string r = idOf i steps[i]
                         | Error _ -> false))

          testProperty "a position that ran is never resent, and a resent one is forgotten where it missed"
          <| fun (spec: (byte * byte * byte) list) (cached: bool) (flushes: byte list) ->
              let steps, endPoints = roundOf spec
              let plan = RoundPlan.make RoundMode.Pipeline noFunctions endPoints steps
              let flushBefore = flushes |> List.map (fun b -> int b % (max 1 steps.Length)) |> Set.ofList
              let settled = play plan steps cached flushBefore
              let outcome = RoundOutcome.decide plan null steps (report settled)
              let ran i =
                  match settled[i] with
                  | Settled.Answered _ -> true
                  | _ -> false
              outcome.ResendWithBody |> List.forall (fun i -> not (ran i))
              && outcome.ResendWithBody
                 |> List.forall (fun i ->
                     match steps[i] with
                     | Step.Call inv -> List.contains (struct (endPoints[i], inv.Script.Sha1)) outcome.Forget
                     | Step.Raw _ -> false)
              && outcome.ResendWithBody = List.sort outcome.ResendWithBody

          testProperty "a transaction is never resent: a missing body fails with the body's own error"
          <| fun (spec: (byte * byte * byte) list) (cached: bool) (flushes: byte list) ->
              let steps, endPoints = roundOf spec
              let plan = RoundPlan.make RoundMode.Transaction noFunctions endPoints steps
              // EXEC runs without interleaving: a flush can only come before the transaction.
              let flushBefore = if flushes.IsEmpty then Set.empty else Set.singleton 0
              let outcome = RoundOutcome.decide plan null steps (report (play plan steps cached flushBefore))
              outcome.ResendWithBody.IsEmpty
              && outcome.CallAgain.IsEmpty
              && outcome.Replies
                 |> Array.mapi (fun i r ->
                     match r with
                     | Ok v -> string v = idOf i steps[i]
                     | Error _ -> false)
                 |> Array.forall id

          test "a body that did not compile explains the later EVALSHA of the same transaction" {
              let steps = [| Step.Call(invocationOf scripts[0] [| rv "k" |]); Step.Call(invocationOf scripts[0] [| rv "k" |]) |]
              let plan = RoundPlan.make RoundMode.Transaction noFunctions [| servers[0]; servers[0] |] steps
              let compile = "ERR Error compiling script (new function): user_script:1: unexpected symbol"
              let settled =
                  [| Settled.Refused(compile, Replies.classify compile); Settled.Refused(Replies.NoScriptText, ReplyKind.NoScript) |]
              let outcome = RoundOutcome.decide plan null steps (report settled)
              for r in outcome.Replies do
                  match r with
                  | Error(ExecutionError.CommandFailed("s0", _, message)) -> Expect.equal message compile "the compile error, twice"
                  | other -> failtestf "expected the compile error, got %A" other
              Expect.isEmpty outcome.Loaded "a refused body proves nothing loaded"
          }

          testProperty "after a FUNCTION FLUSH the client has not seen, a pipeline runs nothing twice and keeps each server's order"
          <| fun (spec: (byte * byte * byte) list) (mask: byte) (holding: byte) ->
              let steps, endPoints = roundOf spec
              // The client believes every server holds the library; only `holding` still does.
              let plan = RoundPlan.plan RoundMode.Pipeline (functionsFor mask) (fun e -> not (isNull e)) noScriptLoaded endPoints steps
              let settled = playFunctions plan steps (serversIn holding)
              let outcome = RoundOutcome.decide plan "lib" steps (report settled)
              let again = Set.ofList outcome.CallAgain
              let missed i = Settled.isKind ReplyKind.FunctionNotFound settled[i]
              // Called again: exactly the FCALLs that ran nothing; after each, only FCALLs, and on its
              // server only calls that are called again too (so sending them again in order keeps it).
              Set.toList again = ([ 0 .. steps.Length - 1 ] |> List.filter missed)
              && again
                 |> Set.forall (fun i ->
                     [ i + 1 .. steps.Length - 1 ]
                     |> List.forall (fun j -> isFcallAt plan j && (not (obj.Equals(endPoints[j], endPoints[i])) || again.Contains j)))
              && again |> Set.forall (fun i -> List.contains (struct (endPoints[i], "lib")) outcome.Forget)
              && [ 0 .. steps.Length - 1 ]
                 |> List.forall (fun i ->
                     again.Contains i
                     || (match outcome.Replies[i] with
                         | Ok r -> string r = idOf i steps[i]
                         | Error _ -> false))

          testProperty "after a FUNCTION FLUSH the client has not seen, a transaction is all or nothing and sent again guarded"
          <| fun (spec: (byte * byte * byte) list) (mask: byte) (server: byte) (holds: bool) ->
              let steps, _ = roundOf spec
              let endPoints = steps |> Array.map (fun _ -> servers[int server % 3])
              let plan = RoundPlan.plan RoundMode.Transaction (functionsFor mask) (fun e -> not (isNull e)) noScriptLoaded endPoints steps
              let settled = playFunctions plan steps (fun _ -> holds)
              let ran = settled |> Array.filter (fun s -> not (Settled.isKind ReplyKind.FunctionNotFound s))
              let missed = settled.Length - ran.Length
              let again = RoundOutcome.sendAgainGuarded plan (report settled)
              (missed = 0 || ran.Length = 0)
              && again = (missed > 0)
              && (not again
                  || (RoundOutcome.sendAgainGuarded
                          (RoundPlan.make RoundMode.Transaction (functionsFor mask) endPoints steps)
                          (report settled)
                      |> not))

          testProperty "after an unseen SCRIPT FLUSH, a transaction without its body is all or nothing and sent again with it"
          <| fun (count: byte) (server: byte) (holds: bool) ->
              let n = 1 + int count % 12
              let steps = Array.init n (fun i -> Step.Call(invocationOf scripts[0] [| rv $"k{i}" |]))
              let endPoints = Array.create n servers[int server % 2]
              // The client believes the server holds the script; it still does only when `holds`.
              let plan = RoundPlan.plan RoundMode.Transaction noFunctions (fun _ -> false) (fun _ _ -> true) endPoints steps
              let settled = play plan steps holds Set.empty
              let missed = settled |> Array.filter (Settled.isKind ReplyKind.NoScript) |> Array.length
              let again = RoundOutcome.sendAgainGuarded plan (report settled)
              let withBody = RoundPlan.make RoundMode.Transaction noFunctions endPoints steps
              plan.GuardSkipped
              && (missed = 0 || missed = n)
              && again = (missed > 0)
              && withBody.Sends[0] = Send.Eval
              && not (RoundOutcome.sendAgainGuarded withBody (report (play withBody steps false Set.empty)))

          test "a pipeline FCALL that found its library gone is called again; a transaction's fails with the guard's reason" {
              let steps = [| Step.Call(invocationOf scripts[0] [| rv "k" |]) |]
              let settled = [| Settled.Refused(Replies.FunctionNotFoundText, ReplyKind.FunctionNotFound) |]
              let pipelinePlan = RoundPlan.make RoundMode.Pipeline (functionsFor 1uy) [| servers[0] |] steps
              let pipeline = RoundOutcome.decide pipelinePlan "lib" steps (report settled)
              Expect.equal pipeline.CallAgain [ 0 ] "called again after the heal"
              let txPlan = RoundPlan.make RoundMode.Transaction (functionsFor 1uy) [| servers[0] |] steps
              let tx = RoundOutcome.decide txPlan "lib" steps { report settled with GuardFailure = Some "OOM" }
              Expect.isEmpty tx.CallAgain "never inside a transaction"
              match tx.Replies[0] with
              | Error(ExecutionError.CommandFailed(_, _, message)) -> Expect.stringContains message "(OOM)" "the guard's reason"
              | other -> failtestf "expected a failure, got %A" other
          }

          test "a discarded transaction: a refused position reports its refusal, the others the discard; only a redirect may be sent again" {
              let steps = [| Step.Call(invocationOf scripts[0] [| rv "k" |]); Step.Raw("SET", [| box "x" |]) |]
              let plan = RoundPlan.make RoundMode.Transaction noFunctions [| servers[0]; null |] steps
              let abort = "EXECABORT Transaction discarded because of previous errors."
              let moved = "MOVED 12182 127.0.0.1:7001"
              let redirected =
                  { Discarded = Some abort
                    GuardFailure = None
                    Settled = Outcomes.Of [| Settled.Refused(moved, Replies.classify moved); Settled.Refused(abort, ReplyKind.ExecAbort) |] }
              Expect.isTrue (RoundOutcome.wasRedirected redirected) "MOVED then EXECABORT: nothing ran"
              let wrong = "WRONGTYPE Operation against a key holding the wrong kind of value"
              Expect.isFalse
                  (RoundOutcome.wasRedirected
                      { redirected with
                          Settled = Outcomes.Of [| Settled.Refused(wrong, Replies.classify wrong); Settled.Cancelled |] })
                  "a real refusal is not resent"
              let outcome = RoundOutcome.decide plan null steps redirected
              match outcome.Replies with
              | [| Error(ExecutionError.Refused("s0", _, RefusalReason.Other, m0)); Error(ExecutionError.TransactionDiscarded("SET", m1)) |] ->
                  Expect.equal m0 moved "the refused position's own reason"
                  Expect.equal m1 abort "the discard, for the rest"
              | other -> failtestf "unexpected replies %A" other
          }

          test "the transaction guard: loaded, already there, refused, or refused at queue time" {
              let lib = "luascripts_x"
              let exists = Replies.libraryExistsText lib
              let oom = "OOM command not allowed when used memory > 'maxmemory'."
              let abort = Settled.Refused("EXECABORT Transaction discarded because of previous errors.", ReplyKind.ExecAbort)
              Expect.equal
                  (RoundOutcome.guard lib (Settled.Answered(RedisResult.Create(rv lib))) (Outcomes.Of [||]))
                  (struct (true, None))
                  "loaded"
              Expect.equal
                  (RoundOutcome.guard lib (Settled.Refused(exists, Replies.classify exists)) (Outcomes.Of [||]))
                  (struct (true, None))
                  "already there"
              let struct (loaded, failure) = RoundOutcome.guard lib (Settled.Refused(oom, Replies.classify oom)) (Outcomes.Of [||])
              Expect.isFalse loaded "refused"
              Expect.stringContains failure.Value oom "the server's reason"
              let struct (_, atQueue) = RoundOutcome.guard lib abort (Outcomes.Of [| abort; abort |])
              Expect.stringContains atQueue.Value "FUNCTION LOAD" "names the guard as the likely refusal"
          } ]

let private replyTests =
    testList
        "Replies"
        [ test "each kind from its server text, compared ordinally" {
              let cases =
                  [ Replies.NoScriptText, ReplyKind.NoScript
                    Replies.FunctionNotFoundText, ReplyKind.FunctionNotFound
                    "ERR Library 'luascripts_ab' already exists", ReplyKind.LibraryExists "luascripts_ab"
                    "EXECABORT Transaction discarded because of previous errors.", ReplyKind.ExecAbort
                    "READONLY You can't write against a read only replica.", ReplyKind.ReadOnlyReplica
                    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.", ReplyKind.Busy
                    "OOM command not allowed when used memory > 'maxmemory'.", ReplyKind.OutOfMemory
                    "NOPERM this user has no permissions to run the 'function|load' command", ReplyKind.NoPermission
                    "LOADING Redis is loading the dataset in memory", ReplyKind.Loading
                    "MOVED 3999 127.0.0.1:6381", ReplyKind.Redirected
                    "ASK 3999 127.0.0.1:6381", ReplyKind.Redirected
                    "CLUSTERDOWN The cluster is down", ReplyKind.Redirected
                    "CROSSSLOT Keys in request don't hash to the same slot", ReplyKind.CrossSlot
                    "ERR Error compiling script (new function): user_script:1: unexpected symbol", ReplyKind.CompileError
                    "ERR Error compiling function: user_function:6: 'end' expected", ReplyKind.CompileError
                    "ERR unknown command 'FUNCTION', with args beginning with: ", ReplyKind.UnknownCommand
                    "ERR user_script:3: Script attempted to access nonexistent global variable 'x'", ReplyKind.ScriptError(Some 3)
                    "ERR insufficient balance", ReplyKind.Other
                    "NOSCRIPT not really", ReplyKind.Other
                    "ERR NOSCRIPT No matching script. Please use EVAL.", ReplyKind.Other
                    "BUSYKEY Target key name already exists.", ReplyKind.Other ]
              for text, kind in cases do
                  Expect.equal (Replies.classify text) kind text
          }

          test "a body that ran proves it cached; a refusal before it ran does not" {
              for text, proves in
                  [ "ERR user_script:1: Script attempted to access nonexistent global variable 'x'", true
                    "ERR insufficient balance", true
                    "ERR Error compiling script (new function): user_script:1: unexpected symbol", false
                    "NOPERM this user has no permissions to run the 'eval' command", false
                    "OOM command not allowed when used memory > 'maxmemory'.", false
                    Replies.NoScriptText, true ] do
                  Expect.equal (Replies.provesLoaded (Replies.classify text)) proves text
          } ]

// A pool of servers past the sets' list limit, each given as a new object every time it is picked
// (the sets must compare by equality as well as by reference), null among them.
let private pickServer (p: byte) : EndPoint =
    match int p % 41 with
    | 40 -> null
    | k when k % 2 = 0 -> servers[k / 2 % 2]
    | k -> DnsEndPoint($"s{k}", 6379)

let private roundSetTests =
    testList
        "Round sets"
        [ testProperty "a server set says true exactly when a hash set would, and keeps the servers in first-seen order"
          <| fun (picks: byte list) ->
              let seen = ServerSet()
              let reference = System.Collections.Generic.HashSet<EndPoint>()
              let order = ResizeArray<EndPoint>()
              let agrees =
                  picks
                  |> List.forall (fun p ->
                      let e = pickServer p
                      let added = reference.Add e
                      if added then order.Add e
                      seen.Add e = added)
              agrees
              && seen.Count = reference.Count
              && (seen.ToArray() |> Array.forall2 (fun a b -> obj.Equals(a, b)) (order.ToArray()))

          testProperty "a server set without the servers dropped keeps the others in order"
          <| fun (picks: byte list) (dropMask: int) ->
              let seen = ServerSet()
              for p in picks do
                  seen.Add(pickServer p) |> ignore
              let drop (e: EndPoint) = not (isNull e) && (e.GetHashCode() ^^^ dropMask) % 3 = 0
              seen.ToArrayWithout drop = (seen.ToArray() |> Array.filter (drop >> not))

          testProperty "a body set says true exactly when a hash set of (server, script) pairs would"
          <| fun (picks: (byte * byte) list) ->
              let seen = BodySet()
              let reference = System.Collections.Generic.HashSet<struct (EndPoint * Script)>()
              picks
              |> List.forall (fun (p, q) ->
                  let e = pickServer p
                  let script = scripts[int q % scripts.Length]
                  seen.Add(e, script) = reference.Add(struct (e, script))) ]

[<Tests>]
let tests = testList "Rounds (pure)" [ planTests; outcomeTests; replyTests; roundSetTests ]
