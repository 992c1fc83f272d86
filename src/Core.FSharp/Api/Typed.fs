namespace LuaScripts.Core

open System
open System.Threading.Tasks
open StackExchange.Redis

/// Typed functions over defined commands: <c>Typed.command2 client "publish_to_group" Decode.int64</c>
/// is a function <c>RedisKey -> RedisValue -> Task&lt;Result&lt;int64, DecodeError&gt;&gt;</c> (the
/// argument types are inferred from use or annotated). Arguments flatten in order and split by the
/// command's key count exactly as <c>Client.run</c> splits them. The command is looked up by name at
/// each call, so a redefinition is seen. Argument types: those of <see cref="ArgumentValue"/>
/// (<see cref="RedisKey"/>, <see cref="RedisValue"/>, string, byte[], bool, int16, int, int64,
/// uint32, uint64, float32, float, and their Nullable forms); any other type is refused when the
/// function is built (<see cref="ArgumentException"/>). Three flavours: <c>commandN</c> runs
/// now and returns a task; <c>programN</c> and <c>tryProgramN</c> build a <see cref="Program{T}"/> for
/// the <c>program { }</c> builder.
[<RequireQualifiedAccess>]
module Typed =

    let private encoder<'A> () : 'A -> RedisValue =
        let t = typeof<'A>
        let refused () = invalidArg "'A" $"A typed command cannot take an argument of type {t.Name}: use {ArgumentValue.supportedTypes}."
        if not (ArgumentValue.isSupported t) then
            refused ()
        else
            fun a ->
                match ArgumentValue.tryConvert (box a) with
                | ValueSome v -> v
                | ValueNone -> refused ()

    // Keeps the built function a function value when compiled (not merged into the method that builds
    // it), so that .NET languages other than F# get it as an FSharpFunc too.
    let private asValue (f: 'A -> 'R) : 'A -> 'R = f

    let private decodeReply (name: string) (decoder: Decoder<'T>) (reply: RedisResult) : Result<'T, DecodeError> =
        match decoder reply with
        | Ok v -> Ok v
        | Error m -> Error(DecodeError.Reply(name, m))

    let private call (client: Client) (name: string) (decoder: Decoder<'T>) (args: RedisValue[]) : Task<Result<'T, DecodeError>> =
        match Client.invoke name args client with
        | Error e -> Task.FromResult(Error(DecodeError.Run e))
        | Ok inv ->
            task {
                match! Client.runInvocation inv client with
                | Ok reply -> return decodeReply name decoder reply
                | Error e -> return Error(DecodeError.Run e)
            }

    let private tryProgramOf
        (client: Client)
        (name: string)
        (decoder: Decoder<'T>)
        (args: RedisValue[])
        : Program<Result<'T, DecodeError>> =
        match Client.invoke name args client with
        | Error e -> Program.ret (Error(DecodeError.Run e))
        | Ok inv ->
            Program.tryCall inv
            |> Program.map (function
                | Ok reply -> decodeReply name decoder reply
                | Error e -> Error(DecodeError.Run(RunError.Execution e)))

    let private programOf (client: Client) (name: string) (decoder: Decoder<'T>) (args: RedisValue[]) : Program<'T> =
        match Client.invoke name args client with
        | Error e ->
            let sha1 = Client.tryFind name client |> Option.map Script.sha1 |> Option.defaultValue ""
            Program.fail [ DecodeError.toExecutionError sha1 (DecodeError.Run e) ]
        | Ok inv ->
            Program.call inv
            |> Program.bind (fun reply ->
                match decodeReply name decoder reply with
                | Ok v -> Program.ret v
                | Error e -> Program.fail [ DecodeError.toExecutionError inv.Script.Sha1 e ])

    // ---- run now ----

    /// A function that runs the command with no arguments and decodes its reply.
    [<CompiledName("Command0")>]
    let command0 (client: Client) (name: string) (decoder: Decoder<'T>) : unit -> Task<Result<'T, DecodeError>> =
        asValue <| fun () -> call client name decoder [||]

    /// A function that runs the command with one argument and decodes its reply.
    [<CompiledName("Command1")>]
    let command1<'A, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> Task<Result<'T, DecodeError>> =
        let ea = encoder<'A> ()
        fun a -> call client name decoder [| ea a |]

    /// A function that runs the command with two arguments and decodes its reply.
    [<CompiledName("Command2")>]
    let command2<'A, 'B, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> 'B -> Task<Result<'T, DecodeError>> =
        let ea, eb = encoder<'A> (), encoder<'B> ()
        fun a b -> call client name decoder [| ea a; eb b |]

    /// A function that runs the command with three arguments and decodes its reply.
    [<CompiledName("Command3")>]
    let command3<'A, 'B, 'C, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> 'B -> 'C -> Task<Result<'T, DecodeError>> =
        let ea, eb, ec = encoder<'A> (), encoder<'B> (), encoder<'C> ()
        fun a b c -> call client name decoder [| ea a; eb b; ec c |]

    /// A function that runs the command with four arguments and decodes its reply.
    [<CompiledName("Command4")>]
    let command4<'A, 'B, 'C, 'D, 'T>
        (client: Client)
        (name: string)
        (decoder: Decoder<'T>)
        : 'A -> 'B -> 'C -> 'D -> Task<Result<'T, DecodeError>> =
        let ea, eb, ec, ed = encoder<'A> (), encoder<'B> (), encoder<'C> (), encoder<'D> ()
        fun a b c d -> call client name decoder [| ea a; eb b; ec c; ed d |]

    /// A function that runs the command with any number of flat arguments (e.g. a dynamic key count
    /// followed by the keys) and decodes its reply.
    [<CompiledName("CommandN")>]
    let commandN (client: Client) (name: string) (decoder: Decoder<'T>) : RedisValue list -> Task<Result<'T, DecodeError>> =
        asValue <| fun args -> call client name decoder (List.toArray args)

    // ---- programs whose failures are values ----

    /// A function that builds a program running the command with no arguments; every failure is a value.
    [<CompiledName("TryProgram0")>]
    let tryProgram0 (client: Client) (name: string) (decoder: Decoder<'T>) : unit -> Program<Result<'T, DecodeError>> =
        asValue <| fun () -> tryProgramOf client name decoder [||]

    /// A function that builds a program running the command with one argument. The program never fails
    /// because of this command: an unknown name, arguments that do not fit, a script error or a reply
    /// that does not decode are its <c>Error</c> value (the first two send nothing).
    [<CompiledName("TryProgram1")>]
    let tryProgram1<'A, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> Program<Result<'T, DecodeError>> =
        let ea = encoder<'A> ()
        fun a -> tryProgramOf client name decoder [| ea a |]

    /// Like <see cref="tryProgram1"/>, with two arguments.
    [<CompiledName("TryProgram2")>]
    let tryProgram2<'A, 'B, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> 'B -> Program<Result<'T, DecodeError>> =
        let ea, eb = encoder<'A> (), encoder<'B> ()
        fun a b -> tryProgramOf client name decoder [| ea a; eb b |]

    /// Like <see cref="tryProgram1"/>, with three arguments.
    [<CompiledName("TryProgram3")>]
    let tryProgram3<'A, 'B, 'C, 'T>
        (client: Client)
        (name: string)
        (decoder: Decoder<'T>)
        : 'A -> 'B -> 'C -> Program<Result<'T, DecodeError>> =
        let ea, eb, ec = encoder<'A> (), encoder<'B> (), encoder<'C> ()
        fun a b c -> tryProgramOf client name decoder [| ea a; eb b; ec c |]

    /// Like <see cref="tryProgram1"/>, with four arguments.
    [<CompiledName("TryProgram4")>]
    let tryProgram4<'A, 'B, 'C, 'D, 'T>
        (client: Client)
        (name: string)
        (decoder: Decoder<'T>)
        : 'A -> 'B -> 'C -> 'D -> Program<Result<'T, DecodeError>> =
        let ea, eb, ec, ed = encoder<'A> (), encoder<'B> (), encoder<'C> (), encoder<'D> ()
        fun a b c d -> tryProgramOf client name decoder [| ea a; eb b; ec c; ed d |]

    /// Like <see cref="tryProgram1"/>, with any number of flat arguments.
    [<CompiledName("TryProgramN")>]
    let tryProgramN (client: Client) (name: string) (decoder: Decoder<'T>) : RedisValue list -> Program<Result<'T, DecodeError>> =
        asValue <| fun args -> tryProgramOf client name decoder (List.toArray args)

    // ---- programs that fail ----

    /// A function that builds a program running the command with no arguments (see <see cref="program1"/>).
    [<CompiledName("Program0")>]
    let program0 (client: Client) (name: string) (decoder: Decoder<'T>) : unit -> Program<'T> =
        asValue <| fun () -> programOf client name decoder [||]

    /// A function that builds a program running the command with one argument, for <c>let!</c> and
    /// <c>and!</c> in <c>program { }</c>. Any failure fails the program: a script error as the server's
    /// <see cref="ExecutionError"/>; an unknown name, arguments that do not fit (both send nothing) or a
    /// reply that does not decode as <c>ExecutionError.CommandFailed</c> naming the command, whose message
    /// is the <see cref="DecodeError"/>'s sentence.
    [<CompiledName("Program1")>]
    let program1<'A, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> Program<'T> =
        let ea = encoder<'A> ()
        fun a -> programOf client name decoder [| ea a |]

    /// Like <see cref="program1"/>, with two arguments.
    [<CompiledName("Program2")>]
    let program2<'A, 'B, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> 'B -> Program<'T> =
        let ea, eb = encoder<'A> (), encoder<'B> ()
        fun a b -> programOf client name decoder [| ea a; eb b |]

    /// Like <see cref="program1"/>, with three arguments.
    [<CompiledName("Program3")>]
    let program3<'A, 'B, 'C, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> 'B -> 'C -> Program<'T> =
        let ea, eb, ec = encoder<'A> (), encoder<'B> (), encoder<'C> ()
        fun a b c -> programOf client name decoder [| ea a; eb b; ec c |]

    /// Like <see cref="program1"/>, with four arguments.
    [<CompiledName("Program4")>]
    let program4<'A, 'B, 'C, 'D, 'T> (client: Client) (name: string) (decoder: Decoder<'T>) : 'A -> 'B -> 'C -> 'D -> Program<'T> =
        let ea, eb, ec, ed = encoder<'A> (), encoder<'B> (), encoder<'C> (), encoder<'D> ()
        fun a b c d -> programOf client name decoder [| ea a; eb b; ec c; ed d |]

    /// Like <see cref="program1"/>, with any number of flat arguments.
    [<CompiledName("ProgramN")>]
    let programN (client: Client) (name: string) (decoder: Decoder<'T>) : RedisValue list -> Program<'T> =
        asValue <| fun args -> programOf client name decoder (List.toArray args)
