namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.Threading
open StackExchange.Redis

/// How a parameter of a declared type contributes to a flat argument list (see
/// <see cref="ArgumentValue.kindOf"/>).
type ArgumentKind =
    /// One flat argument: a value of a supported type.
    | Single = 0
    /// A one-dimensional array (other than <c>byte[]</c>) of a supported type: each element is one flat argument.
    | Expanded = 1
    /// A <see cref="CancellationToken"/>: not sent; it stops waiting for the reply.
    | Cancellation = 2
    /// A type that cannot be sent.
    | Unsupported = 3

/// A flat argument list, with the <see cref="CancellationToken"/> taken out of the arguments it came from.
[<Struct>]
type FlatArguments =
    {
        /// The flat arguments, in order.
        Values: RedisValue[]
        /// The last CancellationToken among the arguments, or <c>CancellationToken.None</c>.
        Cancellation: CancellationToken
    }

/// An argument whose type cannot be sent: its position among the arguments given (from 0) and its type.
[<Struct>]
type UnsupportedArgument =
    {
        /// The position of the argument (for an array, of the array), from 0.
        Index: int
        /// The argument's type (for an array, the array's type).
        Type: Type
    }

/// The .NET values that can be sent as one flat script argument, and how each is sent. The one place
/// that decides it: typed F# commands, bound C# methods and the dynamic <c>Commands</c> view all use it.
/// Supported: <see cref="RedisKey"/> (its bytes, kept exactly), <see cref="RedisValue"/>, string,
/// byte[], bool, int16, int32, int64, uint32, uint64, float32 (sent as its double) and float (double),
/// and <see cref="Nullable{T}"/> of any of these value types. A null (a null reference, a Nullable without
/// a value, a null RedisKey) becomes <see cref="RedisValue.Null"/>, which <see cref="Args.split"/> then
/// refuses with <see cref="ArgumentError.NullValue"/> naming its position: Redis has no null argument.
[<RequireQualifiedAccess>]
module ArgumentValue =

    let private supported: HashSet<Type> =
        HashSet<Type>(
            [ typeof<RedisKey>
              typeof<RedisValue>
              typeof<string>
              typeof<byte[]>
              typeof<bool>
              typeof<int16>
              typeof<int>
              typeof<int64>
              typeof<uint32>
              typeof<uint64>
              typeof<float32>
              typeof<float> ]
        )

    let private typeNames =
        "RedisKey, RedisValue, string, byte[], bool, short, int, long, uint, ulong, float (System.Single), double (System.Double)"

    /// The supported types, for messages ("use ... .").
    [<CompiledName("SupportedTypes")>]
    let supportedTypes: string = typeNames + " or their nullable forms"

    /// What an argument list may hold, for messages ("use ... ."): the supported types, arrays of them
    /// and a CancellationToken.
    [<CompiledName("SupportedArguments")>]
    let supportedArguments: string =
        typeNames + " (or their nullable forms), an array of any of them (expanded in place), or a CancellationToken"

    /// Whether a value of this type can be sent as one flat argument (see the module's summary).
    [<CompiledName("IsSupported")>]
    let isSupported (t: Type) : bool =
        not (isNull t)
        && (match Nullable.GetUnderlyingType t with
            | null -> supported.Contains t
            | inner -> supported.Contains inner)

    /// One value as a flat argument, or <c>ValueNone</c> when its type cannot be sent. A key keeps its
    /// bytes exactly; a float32 is sent as its double; a null is <see cref="RedisValue.Null"/>.
    [<CompiledName("TryConvert")>]
    let tryConvert (value: obj) : RedisValue voption =
        match value with
        | null -> ValueSome RedisValue.Null
        | :? RedisValue as v -> ValueSome v
        | :? RedisKey as k -> ValueSome(Args.keyToValue k)
        | :? string as s -> ValueSome(RedisValue.op_Implicit s)
        | :? (byte[]) as b -> ValueSome(RedisValue.op_Implicit b)
        | :? bool as b -> ValueSome(RedisValue.op_Implicit b)
        | :? int16 as n -> ValueSome(RedisValue.op_Implicit (int n))
        | :? int as n -> ValueSome(RedisValue.op_Implicit n)
        | :? int64 as n -> ValueSome(RedisValue.op_Implicit n)
        | :? uint32 as n -> ValueSome(RedisValue.op_Implicit n)
        | :? uint64 as n -> ValueSome(RedisValue.op_Implicit n)
        | :? float32 as f -> ValueSome(RedisValue.op_Implicit (float f))
        | :? float as f -> ValueSome(RedisValue.op_Implicit f)
        | _ -> ValueNone

    /// How a parameter of this type contributes to a flat argument list: one argument, an array
    /// expanded in place, a CancellationToken taken out, or a type that cannot be sent.
    [<CompiledName("KindOf")>]
    let kindOf (t: Type) : ArgumentKind =
        if isNull t then ArgumentKind.Unsupported
        elif t = typeof<CancellationToken> then ArgumentKind.Cancellation
        elif isSupported t then ArgumentKind.Single
        elif t.IsArray && t.GetArrayRank() = 1 && isSupported (t.GetElementType()) then ArgumentKind.Expanded
        else ArgumentKind.Unsupported

    /// Flattens arguments of any supported types in order: an array (other than byte[]) expands into
    /// its elements, a CancellationToken is taken out (the last one counts), every other value is
    /// converted by <see cref="tryConvert"/>. A null array is a null argument. Fails with the first
    /// argument (or array holding an element) whose type cannot be sent.
    [<CompiledName("TryFlatten")>]
    let tryFlatten (args: obj[]) : Result<FlatArguments, UnsupportedArgument> =
        if isNull args then
            Ok { Values = Array.Empty<RedisValue>(); Cancellation = CancellationToken.None }
        else
            let values = List<RedisValue>(args.Length)
            let mutable cancellation = CancellationToken.None
            let mutable failure = ValueNone
            let mutable i = 0
            while failure.IsNone && i < args.Length do
                match args[i] with
                | :? CancellationToken as token -> cancellation <- token
                | :? Array as array when not (array :? byte[]) ->
                    let items = array.GetEnumerator()
                    while failure.IsNone && items.MoveNext() do
                        match tryConvert items.Current with
                        | ValueSome v -> values.Add v
                        | ValueNone -> failure <- ValueSome { Index = i; Type = array.GetType() }
                | arg ->
                    match tryConvert arg with
                    | ValueSome v -> values.Add v
                    | ValueNone -> failure <- ValueSome { Index = i; Type = arg.GetType() }
                i <- i + 1
            match failure with
            | ValueSome bad -> Error bad
            | ValueNone -> Ok { Values = values.ToArray(); Cancellation = cancellation }

    /// A sentence saying that the named command was given an argument it cannot send, and what it takes.
    [<CompiledName("DescribeUnsupported")>]
    let describeUnsupported (scriptName: string) (argument: UnsupportedArgument) : string =
        $"The script command '{scriptName}' was given an argument #{argument.Index + 1} of type {argument.Type.Name}, "
        + $"which cannot be sent; pass {supportedArguments}."
