namespace LuaScripts.Core

open System
open StackExchange.Redis

/// Why a call's arguments could not be split into KEYS and ARGV. Nothing is sent when this happens.
[<RequireQualifiedAccess>]
type ArgumentError =
    /// A fixed-key command was given fewer flat arguments than it has keys.
    | TooFewArguments of expectedKeys: int * given: int
    /// An explicit KEYS array whose length differs from the command's fixed key count.
    | KeyArrayLengthMismatch of expectedKeys: int * given: int
    /// A dynamic-key command was called with no arguments at all, so no key count.
    | MissingKeyCount
    /// A dynamic-key command's first argument is not a whole number.
    | KeyCountNotInteger of given: string
    /// A dynamic-key command's first argument is below zero.
    | NegativeKeyCount of given: int64
    /// A dynamic-key command's count asks for more keys than arguments follow it.
    | KeyCountExceedsArguments of count: int64 * remaining: int
    /// A null KEYS or ARGV array.
    | NullArgument of what: string
    /// On a Redis Cluster, the keys of one call (or of one transaction) hash to different slots.
    | CrossSlot of slots: int list
    /// A null key or value (RedisValue.Null, a null RedisKey): Redis has no null argument, and sending
    /// one breaks the connection for every caller sharing it.
    | NullValue of what: string * index: int

/// One call of a script: the script with its KEYS and ARGV, ready to send. A struct, so that a
/// single call allocates nothing for it. Two invocations are equal when they are the same call: the
/// same script and the same KEYS and ARGV arrays.
[<Struct; CustomEquality; NoComparison>]
type Invocation internal (script: Script, keys: RedisKey[], argv: RedisValue[]) =
    /// The script to run.
    member _.Script = script
    /// The KEYS.
    member _.Keys = keys
    /// The ARGV.
    member _.Argv = argv
    override _.ToString() = $"{script.Name} keys={keys.Length} argv={argv.Length}"
    override _.GetHashCode() = System.HashCode.Combine(script, keys, argv)
    override _.Equals(other: obj) =
        match other with
        | :? Invocation as o ->
            obj.ReferenceEquals(script, o.Script) && obj.ReferenceEquals(keys, o.Keys) && obj.ReferenceEquals(argv, o.Argv)
        | _ -> false
    interface System.IEquatable<Invocation> with
        member _.Equals(o: Invocation) =
            obj.ReferenceEquals(script, o.Script) && obj.ReferenceEquals(keys, o.Keys) && obj.ReferenceEquals(argv, o.Argv)

/// Splitting flat argument lists into KEYS and ARGV. Pure and total: every input is either split or
/// mapped to exactly one <see cref="ArgumentError"/>.
[<RequireQualifiedAccess>]
module Args =

    // A string stays a string key (no copy); anything else becomes its bytes, kept exactly.
    let private toKey (value: RedisValue) : RedisKey =
        match value.Box() with
        | :? string as text -> RedisKey.op_Implicit text
        | :? (byte[]) as bytes -> RedisKey.op_Implicit bytes
        | _ ->
            let bytes: byte[] = RedisValue.op_Implicit value
            RedisKey.op_Implicit bytes

    /// A key as a flat argument (the bytes are kept as they are).
    [<CompiledName("KeyToValue")>]
    let keyToValue (key: RedisKey) : RedisValue =
        let bytes: byte[] = RedisKey.op_Implicit key
        RedisValue.op_Implicit bytes

    let private firstNullValue (values: RedisValue[]) start =
        let mutable i = start
        while i < values.Length && not values[i].IsNull do
            i <- i + 1
        if i < values.Length then i else -1

    // RedisKey's equality says a key equals the default key only when it is null (no allocation).
    let private isNullKey (key: RedisKey) = key.Equals(Unchecked.defaultof<RedisKey>)

    let private slice (source: 'a[]) start length = if length = 0 then Array.Empty<'a>() else Array.sub source start length

    let private splitAt (keys: int) (offset: int) (args: RedisValue[]) =
        let keyArray: RedisKey[] =
            if keys = 0 then
                Array.Empty<RedisKey>()
            else
                let a = Array.zeroCreate keys
                for i in 0 .. keys - 1 do
                    a[i] <- toKey args[offset + i]
                a
        struct (keyArray, slice args (offset + keys) (args.Length - offset - keys))

    /// Splits a flat argument list: for <c>Fixed n</c> the first n are KEYS; for <c>Dynamic</c> the
    /// first argument is the count of KEYS that follow it.
    [<CompiledName("Split")>]
    let split (keyCount: KeyCount) (args: RedisValue[]) : Result<struct (RedisKey[] * RedisValue[]), ArgumentError> =
        if isNull args then
            Error(ArgumentError.NullArgument "arguments")
        else
            match firstNullValue args 0 with
            | i when i >= 0 -> Error(ArgumentError.NullValue("argument", i))
            | _ ->
                match keyCount with
                | KeyCount.Fixed n -> if args.Length < n then Error(ArgumentError.TooFewArguments(n, args.Length)) else Ok(splitAt n 0 args)
                | KeyCount.Dynamic ->
                    if args.Length = 0 then
                        Error ArgumentError.MissingKeyCount
                    else
                        let count = args[0]
                        let mutable n = 0L
                        match count.TryParse(&n) with
                        | true when not count.IsNullOrEmpty ->
                            let remaining = args.Length - 1
                            if n < 0L then Error(ArgumentError.NegativeKeyCount n)
                            elif n > int64 remaining then Error(ArgumentError.KeyCountExceedsArguments(n, remaining))
                            else Ok(splitAt (int n) 1 args)
                        | _ -> Error(ArgumentError.KeyCountNotInteger(string count))

    // The flat arguments `count` = 0 to 3 given one by one (no array): the one `index` names.
    let private few (index: int) (a0: RedisValue) (a1: RedisValue) (a2: RedisValue) =
        match index with
        | 0 -> a0
        | 1 -> a1
        | _ -> a2

    // KEYS from `keys` of the few arguments starting at `offset`, ARGV from the rest up to `count`.
    let private splitFewAt (keys: int) (offset: int) (count: int) (a0: RedisValue) (a1: RedisValue) (a2: RedisValue) =
        let keyArray: RedisKey[] =
            if keys = 0 then
                Array.Empty<RedisKey>()
            else
                let a = Array.zeroCreate keys
                for i in 0 .. keys - 1 do
                    a[i] <- toKey (few (offset + i) a0 a1 a2)
                a
        let rest = count - offset - keys
        let argv: RedisValue[] =
            if rest = 0 then
                Array.Empty<RedisValue>()
            else
                let a = Array.zeroCreate rest
                for i in 0 .. rest - 1 do
                    a[i] <- few (offset + keys + i) a0 a1 a2
                a
        struct (keyArray, argv)

    /// <see cref="split"/> for up to three flat arguments given one by one, so that a caller with few
    /// arguments builds no array for them: `count` (0 to 3) says how many of `a0`, `a1`, `a2` are
    /// given (the others are ignored). The same split and the same errors as <see cref="split"/> of
    /// the array of those arguments.
    [<CompiledName("SplitFew")>]
    let splitFew
        (keyCount: KeyCount)
        (count: int)
        (a0: RedisValue)
        (a1: RedisValue)
        (a2: RedisValue)
        : Result<struct (RedisKey[] * RedisValue[]), ArgumentError> =
        if count < 0 || count > 3 then invalidArg (nameof count) "splitFew takes 0 to 3 arguments"
        let mutable firstNull = -1
        for i in count - 1 .. -1 .. 0 do
            if (few i a0 a1 a2).IsNull then firstNull <- i
        if firstNull >= 0 then
            Error(ArgumentError.NullValue("argument", firstNull))
        else
            match keyCount with
            | KeyCount.Fixed n -> if count < n then Error(ArgumentError.TooFewArguments(n, count)) else Ok(splitFewAt n 0 count a0 a1 a2)
            | KeyCount.Dynamic ->
                if count = 0 then
                    Error ArgumentError.MissingKeyCount
                else
                    let mutable n = 0L
                    match a0.TryParse(&n) with
                    | true when not a0.IsNullOrEmpty ->
                        let remaining = count - 1
                        if n < 0L then Error(ArgumentError.NegativeKeyCount n)
                        elif n > int64 remaining then Error(ArgumentError.KeyCountExceedsArguments(n, remaining))
                        else Ok(splitFewAt (int n) 1 count a0 a1 a2)
                    | _ -> Error(ArgumentError.KeyCountNotInteger(string a0))

    /// Checks an explicit KEYS/ARGV pair against a key count: a fixed count must equal the KEYS length;
    /// a dynamic count takes any length.
    [<CompiledName("CheckExplicit")>]
    let checkExplicit
        (keyCount: KeyCount)
        (keys: RedisKey[])
        (argv: RedisValue[])
        : Result<struct (RedisKey[] * RedisValue[]), ArgumentError> =
        if isNull keys then
            Error(ArgumentError.NullArgument "keys")
        elif isNull argv then
            Error(ArgumentError.NullArgument "args")
        elif keys |> Array.exists isNullKey then
            Error(ArgumentError.NullValue("key", keys |> Array.findIndex isNullKey))
        elif firstNullValue argv 0 >= 0 then
            Error(ArgumentError.NullValue("ARGV value", firstNullValue argv 0))
        else
            match keyCount with
            | KeyCount.Fixed n when n <> keys.Length -> Error(ArgumentError.KeyArrayLengthMismatch(n, keys.Length))
            | _ -> Ok(struct (keys, argv))

    /// The inverse of <see cref="split"/>: the flat argument list a KEYS/ARGV pair came from.
    [<CompiledName("Join")>]
    let join (keyCount: KeyCount) (keys: RedisKey[]) (argv: RedisValue[]) : RedisValue[] =
        let flatKeys = keys |> Array.map keyToValue
        match keyCount with
        | KeyCount.Fixed _ -> Array.append flatKeys argv
        | KeyCount.Dynamic -> Array.concat [ [| RedisValue.op_Implicit (int64 keys.Length) |]; flatKeys; argv ]

    /// Splits a flat argument list for a script into an <see cref="Invocation"/>.
    [<CompiledName("Invoke")>]
    let invoke (script: Script) (args: RedisValue[]) : Result<Invocation, ArgumentError> =
        match split script.KeyCount args with
        | Ok(struct (keys, argv)) -> Ok(Invocation(script, keys, argv))
        | Error e -> Error e

    /// Splits up to three flat arguments given one by one (see <see cref="splitFew"/>) into an
    /// <see cref="Invocation"/>.
    [<CompiledName("InvokeFew")>]
    let invokeFew (script: Script) (count: int) (a0: RedisValue) (a1: RedisValue) (a2: RedisValue) : Result<Invocation, ArgumentError> =
        match splitFew script.KeyCount count a0 a1 a2 with
        | Ok(struct (keys, argv)) -> Ok(Invocation(script, keys, argv))
        | Error e -> Error e

    /// Checks an explicit KEYS/ARGV pair for a script and makes an <see cref="Invocation"/>.
    [<CompiledName("InvokeExplicit")>]
    let invokeExplicit (script: Script) (keys: RedisKey[]) (argv: RedisValue[]) : Result<Invocation, ArgumentError> =
        match checkExplicit script.KeyCount keys argv with
        | Ok(struct (k, a)) -> Ok(Invocation(script, k, a))
        | Error e -> Error e

/// Checks the arguments of a plain command.
[<RequireQualifiedAccess>]
module CommandArgs =

    /// A plain command's arguments must not hold a null (a null object, RedisValue.Null, a null key).
    [<CompiledName("Check")>]
    let check (args: obj[]) : Result<unit, ArgumentError> =
        if isNull args then
            Error(ArgumentError.NullArgument "arguments")
        else
            let isNullArg (a: obj) =
                match a with
                | null -> true
                | :? RedisValue as v -> v.IsNull
                | :? RedisKey as k -> k.Equals(Unchecked.defaultof<RedisKey>)
                | _ -> false
            match Array.tryFindIndex isNullArg args with
            | Some i -> Error(ArgumentError.NullValue("argument", i))
            | None -> Ok()

/// Messages for <see cref="ArgumentError"/>.
[<RequireQualifiedAccess>]
module ArgumentError =

    /// A sentence that says what is wrong with a call of the named command.
    [<CompiledName("Describe")>]
    let describe (scriptName: string) (error: ArgumentError) : string =
        match error with
        | ArgumentError.TooFewArguments(keys, given) ->
            $"The script command '{scriptName}' takes {keys} key(s) but was given {given} argument(s)."
        | ArgumentError.KeyArrayLengthMismatch(keys, given) ->
            $"The script command '{scriptName}' takes {keys} key(s) but was given a KEYS array of {given}."
        | ArgumentError.MissingKeyCount ->
            $"The script command '{scriptName}' has a dynamic key count: its first argument must be the number of keys, and none was given."
        | ArgumentError.KeyCountNotInteger given ->
            $"The script command '{scriptName}' has a dynamic key count: its first argument must be a whole number of keys, not '{given}'."
        | ArgumentError.NegativeKeyCount n -> $"The script command '{scriptName}' has a dynamic key count: {n} keys is negative."
        | ArgumentError.KeyCountExceedsArguments(n, remaining) ->
            $"The script command '{scriptName}' was told to take {n} key(s) but only {remaining} argument(s) follow the count."
        | ArgumentError.NullArgument what -> $"The script command '{scriptName}' was given a null {what}."
        | ArgumentError.NullValue(what, index) ->
            $"The script command '{scriptName}' was given a null {what} at position {index}; Redis has no null argument (pass RedisValue.EmptyString for an empty value)."
        | ArgumentError.CrossSlot slots ->
            let shown = slots |> List.map string |> String.concat ", "
            $"The keys of '{scriptName}' hash to different cluster slots ({shown}); on Redis Cluster all keys of one call must share a slot: give them a common hash tag such as {{user:42}}."
