namespace LuaScripts.Core

open System
open System.Globalization
open StackExchange.Redis

/// Reads a script's reply as a value of type 'T, or says (in a sentence fragment such as
/// "expected an integer, got nil") why it cannot. Build decoders from the <c>Decode</c> module.
type Decoder<'T> = RedisResult -> Result<'T, string>

/// Why a typed command call (see the <c>Typed</c> module) failed.
[<RequireQualifiedAccess>]
type DecodeError =
    /// The command did not run or the server failed it: no command of that name, arguments that do
    /// not fit its key count, or a script error.
    | Run of RunError
    /// The command ran, but its reply did not decode: the command's name and what did not fit.
    | Reply of name: string * message: string

/// Messages for <see cref="DecodeError"/>.
[<RequireQualifiedAccess>]
module DecodeError =

    /// A sentence that names the command and says what went wrong.
    [<CompiledName("Describe")>]
    let describe (error: DecodeError) : string =
        match error with
        | DecodeError.Run e -> RunError.describe e
        | DecodeError.Reply(name, message) -> $"The reply of the script command '{name}' did not decode: {message}"

    /// The command the error is about.
    [<CompiledName("Name")>]
    let name (error: DecodeError) : string =
        match error with
        | DecodeError.Run(RunError.UnknownCommand n)
        | DecodeError.Run(RunError.InvalidArguments(n, _))
        | DecodeError.Reply(n, _) -> n
        | DecodeError.Run(RunError.Execution e) -> ExecutionError.subject e

    /// The error as an <see cref="ExecutionError"/>, so that it can fail a program: a server failure
    /// stays what it is; any other failure becomes <c>ScriptFailed</c> with the script's SHA1 (empty when
    /// no script was found) and the error's sentence as its message.
    [<CompiledName("ToExecutionError")>]
    let toExecutionError (sha1: string) (error: DecodeError) : ExecutionError =
        match error with
        | DecodeError.Run(RunError.Execution e) -> e
        | other -> ExecutionError.CommandFailed(name other, sha1, describe other)

/// Decoders: small functions that read a script's reply as a typed value, and ways to combine them.
/// Lua values arrive as Redis replies: a number as an integer (truncated), a string as a bulk string,
/// a table as an array (cut at its first nil), <c>true</c> as the integer 1 and <c>false</c> or nil
/// as nil.
[<RequireQualifiedAccess>]
module Decode =

    /// A short description of a reply, for messages: "nil", "the integer 3", "an array of 2 element(s)",
    /// "a map of 2 field(s)"...
    [<CompiledName("Describe")>]
    let describe (reply: RedisResult) : string = ReplyShape.describe reply

    let private expected (what: string) (reply: RedisResult) : Result<'T, string> = ReplyShape.expected what reply

    let private isNil (reply: RedisResult) = ReplyShape.isNil reply

    let private isArray (reply: RedisResult) = ReplyShape.isArray reply

    let private scalar (reply: RedisResult) : RedisValue = RedisResult.op_Explicit reply

    // Wrapping each decoder's lambda keeps it a function value when compiled (a property or a method
    // returning FSharpFunc), so that .NET languages other than F# can pass decoders around too.
    let private mk (f: RedisResult -> Result<'T, string>) : Decoder<'T> = f

    /// Runs a decoder on a reply.
    [<CompiledName("Run")>]
    let run (decoder: Decoder<'T>) (reply: RedisResult) : Result<'T, string> = decoder reply

    /// The reply as it is; never fails.
    [<CompiledName("Result")>]
    let result: Decoder<RedisResult> = mk <| fun reply -> Ok reply

    /// Ignores the reply, whatever it is.
    [<CompiledName("Ignore")>]
    let ignore: Decoder<unit> = mk <| fun _ -> Ok()

    /// Nil (a Lua nil or false, or an empty reply), and nothing else.
    [<CompiledName("Nil")>]
    let nil: Decoder<unit> = mk <| fun reply -> if isNil reply then Ok() else expected "nil" reply

    /// An integer reply, or a string that is a whole number.
    [<CompiledName("Int64")>]
    let int64: Decoder<int64> =
        mk
        <| fun reply ->
            if isNil reply || isArray reply then
                expected "an integer" reply
            elif reply.Resp2Type = ResultType.Integer then
                Ok(RedisResult.op_Explicit reply: int64)
            else
                let mutable n = 0L
                if (scalar reply).TryParse(&n) then Ok n else expected "an integer" reply

    /// An integer (as <see cref="int64"/> reads it) that fits in 32 bits.
    [<CompiledName("Int")>]
    let int: Decoder<int> =
        mk
        <| fun reply ->
            match int64 reply with
            | Ok n when n >= Operators.int64 Int32.MinValue && n <= Operators.int64 Int32.MaxValue -> Ok(Operators.int n)
            | Ok _ -> expected "an integer of 32 bits" reply
            | Error e -> Error e

    /// A number: an integer reply, or a string that parses as a floating-point number (Lua returns
    /// fractions only as strings, e.g. <c>tostring(x)</c>).
    [<CompiledName("Float")>]
    let float: Decoder<float> =
        mk
        <| fun reply ->
            if isNil reply || isArray reply then
                expected "a number" reply
            elif reply.Resp2Type = ResultType.Integer then
                Ok(Operators.float (RedisResult.op_Explicit reply: int64))
            else
                let text: string = RedisResult.op_Explicit reply
                match Double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture) with
                | true, v -> Ok v
                | _ -> expected "a number" reply

    /// A Lua boolean: the integer 1 (true) or nil (false, as Lua sends false); the integer 0 is false too.
    [<CompiledName("Bool")>]
    let bool: Decoder<bool> =
        mk
        <| fun reply ->
            if isNil reply then
                Ok false
            elif reply.Resp2Type = ResultType.Integer then
                match (RedisResult.op_Explicit reply: int64) with
                | 1L -> Ok true
                | 0L -> Ok false
                | _ -> expected "a boolean (1, 0 or nil)" reply
            else
                expected "a boolean (1, 0 or nil)" reply

    /// A string (an integer reads as its decimal text). Nil fails: use <c>Decode.optional Decode.string</c>.
    [<CompiledName("String")>]
    let string: Decoder<string> =
        mk
        <| fun reply -> if isNil reply || isArray reply then expected "a string" reply else Ok(RedisResult.op_Explicit reply: string)

    /// A string's bytes, as they came. Nil fails: use <c>Decode.optional Decode.bytes</c>.
    [<CompiledName("Bytes")>]
    let bytes: Decoder<byte[]> =
        mk
        <| fun reply -> if isNil reply || isArray reply then expected "a string" reply else Ok(RedisResult.op_Explicit reply: byte[])

    /// A single value (nil reads as <see cref="RedisValue.Null"/>); an array fails.
    [<CompiledName("Value")>]
    let value: Decoder<RedisValue> =
        mk
        <| fun reply ->
            if isNil reply then Ok RedisValue.Null
            elif isArray reply then expected "a single value" reply
            else Ok(scalar reply)

    /// A single value read as a key; nil and arrays fail.
    [<CompiledName("Key")>]
    let key: Decoder<RedisKey> =
        mk
        <| fun reply -> if isNil reply || isArray reply then expected "a key" reply else Ok(RedisResult.op_Explicit reply: RedisKey)

    /// Always succeeds with the value, whatever the reply.
    [<CompiledName("Succeed")>]
    let succeed (value: 'T) : Decoder<'T> = mk <| fun _ -> Ok value

    /// Always fails with the message, whatever the reply.
    [<CompiledName("Fail")>]
    let fail (message: string) : Decoder<'T> = mk <| fun _ -> Error message

    /// Nil as <c>None</c>; anything else decoded by <paramref name="decoder"/> as <c>Some</c>.
    [<CompiledName("Optional")>]
    let optional (decoder: Decoder<'T>) : Decoder<'T option> =
        mk <| fun reply -> if isNil reply then Ok None else decoder reply |> Result.map Some

    /// Transforms a decoded value.
    [<CompiledName("Map")>]
    let map (f: 'T -> 'U) (decoder: Decoder<'T>) : Decoder<'U> = mk <| fun reply -> decoder reply |> Result.map f

    /// Decodes the same reply twice and combines the values.
    [<CompiledName("Map2")>]
    let map2 (f: 'A -> 'B -> 'C) (first: Decoder<'A>) (second: Decoder<'B>) : Decoder<'C> =
        mk
        <| fun reply ->
            match first reply, second reply with
            | Ok a, Ok b -> Ok(f a b)
            | Error e, _
            | _, Error e -> Error e

    /// Chooses the next decoder from a decoded value, and runs it on the same reply.
    [<CompiledName("Bind")>]
    let bind (f: 'T -> Decoder<'U>) (decoder: Decoder<'T>) : Decoder<'U> =
        mk
        <| fun reply ->
            match decoder reply with
            | Ok v -> f v reply
            | Error e -> Error e

    /// The first decoder that succeeds; when both fail, both reasons.
    [<CompiledName("OrElse")>]
    let orElse (fallback: Decoder<'T>) (decoder: Decoder<'T>) : Decoder<'T> =
        mk
        <| fun reply ->
            match decoder reply with
            | Ok v -> Ok v
            | Error e1 ->
                match fallback reply with
                | Ok v -> Ok v
                | Error e2 -> Error $"{e1}; or {e2}"

    let private elements (what: string) (reply: RedisResult) : Result<RedisResult[], string> =
        if isNil reply || not (isArray reply) then expected what reply else Ok(RedisResult.op_Explicit reply: RedisResult[])

    let private decodeAll (decoder: Decoder<'T>) (items: RedisResult[]) : Result<'T[], string> =
        let values = Array.zeroCreate items.Length
        let mutable failure = None
        let mutable i = 0
        while failure.IsNone && i < items.Length do
            match decoder items[i] with
            | Ok v -> values[i] <- v
            | Error e -> failure <- Some $"[{i}]: {e}"
            i <- i + 1
        match failure with
        | Some e -> Error e
        | None -> Ok values

    /// An array (a Lua table) whose every element <paramref name="decoder"/> reads; a failure names
    /// the element's index. Nil fails: use <c>Decode.optional</c>.
    [<CompiledName("Array")>]
    let array (decoder: Decoder<'T>) : Decoder<'T[]> = mk <| fun reply -> elements "an array" reply |> Result.bind (decodeAll decoder)

    /// Like <see cref="array"/>, as a list.
    [<CompiledName("List")>]
    let list (decoder: Decoder<'T>) : Decoder<'T list> = array decoder |> map List.ofArray

    /// The element at a position (from 0) of an array.
    [<CompiledName("Index")>]
    let index (position: int) (decoder: Decoder<'T>) : Decoder<'T> =
        mk
        <| fun reply ->
            elements "an array" reply
            |> Result.bind (fun items ->
                if position < 0 || position >= items.Length then
                    Error $"expected an array with an element [{position}], got {describe reply}"
                else
                    decoder items[position] |> Result.mapError (fun e -> $"[{position}]: {e}"))

    /// An array of exactly two elements.
    [<CompiledName("Tuple2")>]
    let tuple2 (first: Decoder<'A>) (second: Decoder<'B>) : Decoder<'A * 'B> =
        mk
        <| fun reply ->
            elements "an array of 2 elements" reply
            |> Result.bind (fun items ->
                if items.Length <> 2 then
                    expected "an array of 2 elements" reply
                else
                    match first items[0], second items[1] with
                    | Ok a, Ok b -> Ok(a, b)
                    | Error e, _ -> Error $"[0]: {e}"
                    | _, Error e -> Error $"[1]: {e}")

    /// An array of exactly three elements.
    [<CompiledName("Tuple3")>]
    let tuple3 (first: Decoder<'A>) (second: Decoder<'B>) (third: Decoder<'C>) : Decoder<'A * 'B * 'C> =
        mk
        <| fun reply ->
            elements "an array of 3 elements" reply
            |> Result.bind (fun items ->
                if items.Length <> 3 then
                    expected "an array of 3 elements" reply
                else
                    match first items[0], second items[1], third items[2] with
                    | Ok a, Ok b, Ok c -> Ok(a, b, c)
                    | Error e, _, _ -> Error $"[0]: {e}"
                    | _, Error e, _ -> Error $"[1]: {e}"
                    | _, _, Error e -> Error $"[2]: {e}")

    /// A flat array of alternating keys and values (as HGETALL returns), as a list of pairs.
    [<CompiledName("Pairs")>]
    let pairs (keyDecoder: Decoder<'K>) (valueDecoder: Decoder<'V>) : Decoder<('K * 'V) list> =
        mk
        <| fun reply ->
            elements "an array of key/value pairs" reply
            |> Result.bind (fun items ->
                if items.Length % 2 <> 0 then
                    expected "an array of key/value pairs (an even length)" reply
                else
                    let rec go i acc =
                        if i >= items.Length then
                            Ok(List.rev acc)
                        else
                            match keyDecoder items[i], valueDecoder items[i + 1] with
                            | Ok k, Ok v -> go (i + 2) ((k, v) :: acc)
                            | Error e, _ -> Error $"[{i}]: {e}"
                            | _, Error e -> Error $"[{i + 1}]: {e}"
                    go 0 [])

    /// A record's member replies, in the order of <paramref name="names"/> (its members' names), read
    /// by position or by name. By name: a RESP3 map, or a flat array of field/value pairs (as HGETALL
    /// returns) every field of which is a member's name, exactly or in snake_case (<c>DisplayName</c>
    /// or <c>display_name</c>); a member the reply lacks reads as nil (so <c>Decode.optional</c> takes
    /// it as <c>None</c>); a field no member has, or one given twice, fails. By position: an array of
    /// exactly as many elements as there are names. Nil fails: use <c>Decode.optional</c>.
    [<CompiledName("Fields")>]
    let fields (names: string[]) : Decoder<RedisResult[]> =
        let names = Array.copy names
        let snake = Array.map Naming.snakeCase names
        mk <| fun reply -> ReplyShape.fields names snake reply

    /// A map's entries, in reply order, each value read by <paramref name="valueDecoder"/>: a RESP3
    /// map, or a flat array of field/value pairs (as HGETALL returns); a failure names the position.
    /// Nil fails: use <c>Decode.optional</c>.
    [<CompiledName("Entries")>]
    let entries (valueDecoder: Decoder<'V>) : Decoder<(string * 'V) list> =
        mk
        <| fun reply ->
            ReplyShape.entries reply
            |> Result.bind (fun pairs ->
                let rec go i acc =
                    if i >= pairs.Length then
                        Ok(List.rev acc)
                    else
                        let struct (key, value) = pairs[i]
                        match valueDecoder value with
                        | Ok v -> go (i + 1) ((key, v) :: acc)
                        | Error e -> Error $"[{2 * i + 1}] ('{key}'): {e}"
                go 0 [])

    /// Applies a decoded function to a decoded value, both read from the same reply: with
    /// <see cref="succeed"/>, builds a record of any number of members (each decoder usually
    /// <see cref="index"/> or <see cref="field"/>); the first failure wins.
    [<CompiledName("AndMap")>]
    let andMap (decoder: Decoder<'T>) (functionDecoder: Decoder<'T -> 'U>) : Decoder<'U> =
        mk
        <| fun reply ->
            match functionDecoder reply with
            | Error e -> Error e
            | Ok f -> decoder reply |> Result.map f

    /// Decodes the same reply three times and combines the values.
    [<CompiledName("Map3")>]
    let map3 (f: 'A -> 'B -> 'C -> 'D) (first: Decoder<'A>) (second: Decoder<'B>) (third: Decoder<'C>) : Decoder<'D> =
        succeed f |> andMap first |> andMap second |> andMap third

    /// A record read by position or by name, as <see cref="fields"/> reads it: the members are put in
    /// the order of <paramref name="names"/>, as an array, for <paramref name="positional"/> to read
    /// (with <see cref="index"/>); a failure names the member.
    [<CompiledName("Record")>]
    let record (names: string[]) (positional: Decoder<'T>) : Decoder<'T> =
        let read = fields names
        let names = Array.copy names
        mk
        <| fun reply ->
            read reply
            |> Result.bind (fun values ->
                positional (RedisResult.Create values)
                |> Result.mapError (fun e ->
                    // "[i]: ..." from index names the member instead.
                    let close = e.IndexOf ']'
                    match Int32.TryParse(if e.StartsWith "[" && close > 1 then e.Substring(1, close - 1) else "") with
                    | true, i when i < names.Length -> $"{names[i]}{e.Substring(close + 1)}"
                    | _ -> e))

    /// One member of a record read by name (a RESP3 map, or field/value pairs as HGETALL returns),
    /// matched exactly or in snake_case; a reply without it gives nil to <paramref name="decoder"/>
    /// (so <c>Decode.optional</c> reads its absence as <c>None</c>). Other fields are ignored.
    [<CompiledName("Field")>]
    let field (name: string) (decoder: Decoder<'T>) : Decoder<'T> =
        let snake = Naming.snakeCase name
        mk
        <| fun reply ->
            ReplyShape.entries reply
            |> Result.bind (fun pairs ->
                let value =
                    pairs
                    |> Array.tryPick (fun (struct (k, v)) -> if k = name then Some v else None)
                    |> Option.orElse (pairs |> Array.tryPick (fun (struct (k, v)) -> if k = snake then Some v else None))
                decoder (defaultArg value (RedisResult.Create RedisValue.Null)) |> Result.mapError (fun e -> $"{name}: {e}"))

    /// A map (a RESP3 map, or field/value pairs as HGETALL returns) as an F# map, each value read by
    /// <paramref name="valueDecoder"/>; a key given twice keeps its last value. Nil fails: use
    /// <c>Decode.optional</c>.
    [<CompiledName("StringMap")>]
    let stringMap (valueDecoder: Decoder<'V>) : Decoder<Map<string, 'V>> = entries valueDecoder |> map Map.ofList
