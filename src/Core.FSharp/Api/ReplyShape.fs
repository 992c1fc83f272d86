namespace LuaScripts.Core

open System
open StackExchange.Redis

/// The shapes of replies decoders read, and the one place that decides how a record's fields and a
/// map's entries are found in a reply. A RESP3 map reads like the flat field/value array RESP2 sends
/// for it (and HGETALL returns), so that a script reads the same under both protocols.
module internal ReplyShape =

    /// Nil: a Lua nil or false, an empty reply, or no reply object at all.
    let isNil (reply: RedisResult) = isNull (box reply) || reply.IsNull

    /// An array, a set or a map (a map's Resp2Type is Array: its keys and values in turn).
    let isArray (reply: RedisResult) = not (isNil reply) && reply.Resp2Type = ResultType.Array

    /// A RESP3 map.
    let isMap (reply: RedisResult) = isArray reply && reply.Resp3Type = ResultType.Map

    /// A short description of a reply, for messages.
    let describe (reply: RedisResult) : string =
        if isNil reply then
            "nil"
        elif isMap reply then
            $"a map of {reply.Length / 2} field(s)"
        else
            match reply.Resp2Type with
            | ResultType.Array -> $"an array of {reply.Length} element(s)"
            | ResultType.Integer ->
                let v: int64 = RedisResult.op_Explicit reply
                $"the integer {v}"
            | ResultType.Error -> "an error"
            | _ ->
                let text: string = RedisResult.op_Explicit reply
                let text = if isNull text then "" else text
                if text.Length > 40 then $"the string \"{text.Substring(0, 40)}...\"" else $"the string \"{text}\""

    /// The error "expected {what}, got {the reply}".
    let expected (what: string) (reply: RedisResult) : Result<'T, string> = Error $"expected {what}, got {describe reply}"

    /// An array's items (a map's keys and values in turn).
    let items (reply: RedisResult) : RedisResult[] = RedisResult.op_Explicit reply

    /// A single value's text, or None for nil and arrays.
    let private text (reply: RedisResult) : string option =
        if isNil reply || isArray reply then None else Some(RedisResult.op_Explicit reply: string)

    let private listed (names: string[]) = if names.Length = 0 then "(none)" else String.Join(", ", names)

    /// The member replies missing from a reply read by name: nil, so that a nullable member may be absent.
    let private missing = RedisResult.Create RedisValue.Null

    /// The position of a field among a target's member names: its name exactly, or in snake_case.
    let private position (names: string[]) (snake: string[]) (field: string) =
        match Array.IndexOf(names, field) with
        | -1 -> Array.IndexOf(snake, field)
        | i -> i

    /// A record's member replies, in the order of <paramref name="names"/> (<paramref name="snake"/>:
    /// the same names in snake_case). By name when the reply is a map, or a flat array every other
    /// element of which (from the first) names a member; by position when it is an array of exactly
    /// as many elements as there are names. By name, a member the reply lacks reads as nil; a field
    /// the target lacks, or one given twice, is a mismatch.
    let fields (names: string[]) (snake: string[]) (reply: RedisResult) : Result<RedisResult[], string> =
        let byPosition () = $"an array of {names.Length} element(s) (by position) or the fields {listed names} (by name)"
        if not (isArray reply) then
            expected (byPosition ()) reply
        else
            let all = items reply
            let keys = [| for i in 0..2 .. all.Length - 2 -> text all[i] |]
            let known key = key |> Option.exists (fun k -> position names snake k >= 0)
            let pairs = all.Length % 2 = 0
            if isMap reply || (pairs && Array.forall known keys) then
                let values = Array.create names.Length missing
                let seen = Array.zeroCreate names.Length
                let mutable failure = None
                let mutable i = 0
                while failure.IsNone && i < keys.Length do
                    match keys[i] with
                    | None ->
                        failure <-
                            Some
                                $"expected the fields {listed names} (by name), got {describe reply} whose key [{2 * i}] is {describe all[2 * i]}"
                    | Some key ->
                        match position names snake key with
                        | -1 ->
                            failure <-
                                Some $"expected the fields {listed names} (by name), got {describe reply} with the unknown field '{key}'"
                        | p when seen[p] ->
                            failure <-
                                Some $"expected the fields {listed names} (by name), got {describe reply} with the field '{key}' twice"
                        | p ->
                            seen[p] <- true
                            values[p] <- all[2 * i + 1]
                    i <- i + 1
                match failure with
                | Some message -> Error message
                | None -> Ok values
            elif all.Length = names.Length then
                Ok all
            else
                let unknown =
                    if pairs && Array.forall Option.isSome keys then keys |> Array.tryPick (fun k -> if known k then None else k) else None
                match unknown with
                | Some key -> Error $"expected {byPosition ()}, got {describe reply} with the unknown field '{key}'"
                | None -> expected (byPosition ()) reply

    /// A map's entries in reply order: a RESP3 map, or a flat array of field/value pairs (as HGETALL
    /// returns). A key must be a single value (an integer reads as its decimal text).
    let entries (reply: RedisResult) : Result<struct (string * RedisResult)[], string> =
        let what = "a map (a RESP3 map or an array of field/value pairs)"
        if not (isArray reply) then
            expected what reply
        else
            let all = items reply
            if all.Length % 2 <> 0 then
                expected $"{what} of an even length" reply
            else
                let pairs = Array.zeroCreate (all.Length / 2)
                let mutable failure = None
                let mutable i = 0
                while failure.IsNone && i < pairs.Length do
                    match text all[2 * i] with
                    | Some key -> pairs[i] <- struct (key, all[2 * i + 1])
                    | None -> failure <- Some $"[{2 * i}]: expected a field name, got {describe all[2 * i]}"
                    i <- i + 1
                match failure with
                | Some message -> Error message
                | None -> Ok pairs
