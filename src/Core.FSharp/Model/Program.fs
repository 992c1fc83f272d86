namespace LuaScripts.Core

open System
open System.Collections.Generic
open StackExchange.Redis

/// One step of a program: what one position of a round trip sends.
[<RequireQualifiedAccess>]
type Step =
    /// Call a defined command (EVAL, EVALSHA or FCALL: the runtime decides).
    | Call of Invocation
    /// A raw Redis command. Arguments of type <see cref="RedisKey"/> are keys (routing, key prefixes);
    /// everything else is sent as a value.
    | Raw of name: string * args: obj[]

/// Functions over <see cref="Step"/>.
[<RequireQualifiedAccess>]
module Step =
    /// The defined command's name, or the raw command's.
    [<CompiledName("Name")>]
    let name (step: Step) : string =
        match step with
        | Step.Call inv -> inv.Script.Name
        | Step.Raw(name, _) -> name

    /// The keys of a step: a call's KEYS, or a raw command's <see cref="RedisKey"/> arguments.
    [<CompiledName("Keys")>]
    let keys (step: Step) : RedisKey[] =
        match step with
        | Step.Call inv -> inv.Keys
        | Step.Raw(_, args) ->
            args
            |> Array.choose (function
                | :? RedisKey as k -> Some k
                | _ -> None)

/// What the server answered for one step.
type Reply = Result<RedisResult, ExecutionError>

/// The steps of one round trip, as a tree so that composing programs never copies them.
[<NoEquality; NoComparison>]
type internal Batch =
    | Single of Step
    | Pair of Batch * Batch
    | Many of Batch[]

/// Work described as data: rounds of steps sent together, and how to build the result from the
/// replies. Nothing is sent until an interpreter runs it. Combine with <c>Program.map2</c> /
/// <c>and!</c> to keep steps in one round trip; <c>Program.bind</c> / <c>let!</c> starts a new
/// round trip that depends on earlier replies.
[<NoEquality; NoComparison>]
type Program<'T> =
    internal
    | Done of 'T
    | Failed of ExecutionError list
    /// A round of `count` steps; the continuation reads its replies from `replies[offset ..]`.
    | Round of batch: Batch * count: int * next: (Reply[] -> int -> Program<'T>)

/// Building, composing and explaining programs.
[<RequireQualifiedAccess>]
module Program =

    /// A program that sends nothing and returns a value.
    [<CompiledName("Return")>]
    let ret (value: 'T) : Program<'T> = Done value

    /// A program that sends nothing and fails.
    [<CompiledName("Fail")>]
    let fail (errors: ExecutionError list) : Program<'T> = Failed errors

    let private single (step: Step) (read: Reply -> Program<'T>) : Program<'T> =
        Round(Single step, 1, (fun replies offset -> read replies[offset]))

    /// Calls a defined command and yields its reply or the server's error for it.
    [<CompiledName("TryCall")>]
    let tryCall (invocation: Invocation) : Program<Reply> = single (Step.Call invocation) Done

    /// Calls a defined command; a server error fails the program.
    [<CompiledName("Call")>]
    let call (invocation: Invocation) : Program<RedisResult> =
        single (Step.Call invocation) (function
            | Ok r -> Done r
            | Error e -> Failed [ e ])

    /// Sends a raw Redis command and yields its reply or the server's error for it.
    [<CompiledName("TryRaw")>]
    let tryRaw (name: string) (args: obj seq) : Program<Reply> = single (Step.Raw(name, Seq.toArray args)) Done

    /// Sends a raw Redis command; a server error fails the program.
    [<CompiledName("Raw")>]
    let raw (name: string) (args: obj seq) : Program<RedisResult> =
        single (Step.Raw(name, Seq.toArray args)) (function
            | Ok r -> Done r
            | Error e -> Failed [ e ])

    /// Transforms the result; sends exactly what the program sends.
    [<CompiledName("Map")>]
    let rec map (f: 'T -> 'U) (program: Program<'T>) : Program<'U> =
        match program with
        | Done v -> Done(f v)
        | Failed e -> Failed e
        | Round(b, n, k) -> Round(b, n, (fun r o -> map f (k r o)))

    /// Combines two programs whose steps go in the same round trips, the first's before the second's.
    /// When either fails, the result fails with every error of the round. Each level of nesting adds a
    /// stack frame when the replies come back: to combine thousands of programs use
    /// <see cref="sequence"/> or <see cref="traverse"/>, which stay flat.
    [<CompiledName("Map2")>]
    let rec map2 (f: 'A -> 'B -> 'C) (first: Program<'A>) (second: Program<'B>) : Program<'C> =
        match first, second with
        | Done a, Done b -> Done(f a b)
        | Failed e1, Failed e2 -> Failed(e1 @ e2)
        | Failed e, _
        | _, Failed e -> Failed e
        | Round(b, n, k), Done _ -> Round(b, n, (fun r o -> map2 f (k r o) second))
        | Done _, Round(b, n, k) -> Round(b, n, (fun r o -> map2 f first (k r o)))
        | Round(b1, n1, k1), Round(b2, n2, k2) -> Round(Pair(b1, b2), n1 + n2, (fun r o -> map2 f (k1 r o) (k2 r (o + n1))))

    /// Applies a program's function to another program's value, in the same round trips.
    [<CompiledName("Apply")>]
    let apply (f: Program<'A -> 'B>) (program: Program<'A>) : Program<'B> = map2 (fun g a -> g a) f program

    /// Runs a program, then the program its result chooses: a new round trip that can use the replies.
    [<CompiledName("Bind")>]
    let rec bind (f: 'T -> Program<'U>) (program: Program<'T>) : Program<'U> =
        match program with
        | Done v -> f v
        | Failed e -> Failed e
        | Round(b, n, k) -> Round(b, n, (fun r o -> bind f (k r o)))

    /// Runs many programs side by side: each round trip carries every program's steps of that
    /// round, in list order. Flat whatever the count (no deep nesting).
    [<CompiledName("Sequence")>]
    let rec sequence (programs: Program<'T> list) : Program<'T list> =
        let items = List.toArray programs
        let errors =
            items
            |> Array.collect (function
                | Failed e -> List.toArray e
                | _ -> [||])
        if errors.Length > 0 then
            Failed(List.ofArray errors)
        elif
            items
            |> Array.forall (function
                | Done _ -> true
                | _ -> false)
        then
            Done(
                items
                |> Array.map (function
                    | Done v -> v
                    | _ -> Unchecked.defaultof<_>)
                |> List.ofArray
            )
        else
            let offsets = Array.zeroCreate items.Length
            let batches = ResizeArray()
            let mutable total = 0
            for i in 0 .. items.Length - 1 do
                offsets[i] <- total
                match items[i] with
                | Round(b, n, _) ->
                    batches.Add b
                    total <- total + n
                | _ -> ()
            let next (replies: Reply[]) (offset: int) =
                items
                |> Array.mapi (fun i p ->
                    match p with
                    | Round(_, _, k) -> k replies (offset + offsets[i])
                    | other -> other)
                |> List.ofArray
                |> sequence
            Round(Many(batches.ToArray()), total, next)

    /// Maps each item to a program and runs them side by side (see <see cref="sequence"/>).
    [<CompiledName("Traverse")>]
    let traverse (f: 'A -> Program<'B>) (items: 'A list) : Program<'B list> = items |> List.map f |> sequence

    /// The steps of a round, flattened in order (iteratively: a deep tree cannot overflow the stack).
    let internal flatten (batch: Batch) (count: int) : Step[] =
        let result = Array.zeroCreate count
        let mutable i = 0
        let stack = Stack<Batch>()
        stack.Push batch
        while stack.Count > 0 do
            match stack.Pop() with
            | Single c ->
                result[i] <- c
                i <- i + 1
            | Pair(a, b) ->
                stack.Push b
                stack.Push a
            | Many bs ->
                for j in bs.Length - 1 .. -1 .. 0 do
                    stack.Push bs[j]
        result

    /// The steps the program's first round trip sends, in order; empty when it sends nothing.
    [<CompiledName("Explain")>]
    let explain (program: Program<'T>) : Step list =
        match program with
        | Round(b, n, _) -> flatten b n |> List.ofArray
        | _ -> []

    /// Runs a program without a server: `answer` plays the server. Returns every round's steps,
    /// in order, and the outcome. The in-memory interpreter, for tests and for showing what a
    /// program would do.
    [<CompiledName("Simulate")>]
    let simulate (answer: Step -> Reply) (program: Program<'T>) : Step list list * Result<'T, ExecutionError list> =
        let rec go rounds program =
            match program with
            | Done v -> List.rev rounds, Ok v
            | Failed e -> List.rev rounds, Error e
            | Round(b, n, k) ->
                let steps = flatten b n
                let replies = steps |> Array.map answer
                go (List.ofArray steps :: rounds) (k replies 0)
        go [] program

    /// How many round trips the program needs with the given server stand-in.
    [<CompiledName("RoundTrips")>]
    let roundTrips (answer: Step -> Reply) (program: Program<'T>) : int = simulate answer program |> fst |> List.length

/// The computation expression for programs: <c>and!</c> keeps steps in one round trip,
/// <c>let!</c> on an earlier reply starts the next one.
[<Sealed>]
type ProgramBuilder() =
    /// Wraps a value.
    member _.Return(value: 'T) : Program<'T> = Program.ret value
    /// Returns a program as it is.
    member _.ReturnFrom(program: Program<'T>) : Program<'T> = program
    /// Sequential composition: a new round trip.
    member _.Bind(program: Program<'T>, f: 'T -> Program<'U>) : Program<'U> = Program.bind f program
    /// `let! ... return` without a new round trip.
    member _.BindReturn(program: Program<'T>, f: 'T -> 'U) : Program<'U> = Program.map f program
    /// `and!`: two programs in the same round trips.
    member _.MergeSources(first: Program<'A>, second: Program<'B>) : Program<'A * 'B> = Program.map2 (fun a b -> a, b) first second
    /// A program that sends nothing.
    member _.Zero() : Program<unit> = Program.ret ()
    /// Delays building the rest of the program.
    member _.Delay(f: unit -> Program<'T>) : Program<'T> = f ()

/// The <c>program { }</c> computation expression.
[<AutoOpen>]
module ProgramBuilderInstance =
    /// Builds a <see cref="Program{T}"/>: <c>and!</c> keeps steps in one round trip, <c>let!</c>
    /// starts the next one.
    let program = ProgramBuilder()
