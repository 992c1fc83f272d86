namespace LuaScripts.Core

open System
open StackExchange.Redis

/// Where a key specification's search for keys begins (Redis 7 key specifications).
[<RequireQualifiedAccess>]
type internal BeginSearch =
    /// At this argument index (the command name is index 0).
    | Index of index: int
    /// Just after the first argument equal to the keyword, searched from `startFrom` (negative:
    /// from the end, backwards).
    | Keyword of keyword: string * startFrom: int
    /// The server cannot say (the keys derive from data, or a keyword may appear anywhere).
    | Unknown

/// How a key specification finds its keys once the search began.
[<RequireQualifiedAccess>]
type internal FindKeys =
    /// Keys from the beginning to `lastKey` (relative; negative counts from the end, scaled by
    /// `limit` when it is above 1), every `keyStep` arguments.
    | Range of lastKey: int * keyStep: int * limit: int
    /// The argument at `keyNumIndex` (relative) says how many keys follow from `firstKey`
    /// (relative), every `keyStep` arguments.
    | KeyNum of keyNumIndex: int * firstKey: int * keyStep: int
    /// The server cannot say.
    | Unknown

/// One key specification: where to start, and how to find the keys.
type internal KeySpec =
    {
        /// Where the search begins.
        BeginSearch: BeginSearch
        /// How the keys are found.
        FindKeys: FindKeys
    }

/// What the server says about where a command's keys are (<c>COMMAND INFO</c>): its key
/// specifications (Redis 7), the legacy first key, last key and step (every version), and its
/// subcommands.
type internal CommandKeys =
    {
        /// The command's name, lower-case ("object|encoding" for a subcommand).
        Name: string
        /// The key specifications; empty before Redis 7.
        KeySpecs: KeySpec list
        /// The legacy first key index (0: no keys).
        FirstKey: int
        /// The legacy last key index (negative: from the end).
        LastKey: int
        /// The legacy key step.
        Step: int
        /// The command's keys move with its arguments (the legacy range does not describe them all).
        MovableKeys: bool
        /// The subcommands ("object|encoding"...), by their lower-case name after the '|'.
        Subcommands: Map<string, CommandKeys>
    }

/// Where the keys of one call of a raw command are.
[<RequireQualifiedAccess>]
type internal KeyPositions =
    /// These argument indexes (0-based, the command name not counted) are keys; empty for none.
    | Known of int[]
    /// The client cannot tell (an unknown command, keys that move in a way the server does not
    /// describe): the arguments are sent as given.
    | Unknown

/// Reading <c>COMMAND INFO</c> replies and finding the keys of a call. Pure.
[<RequireQualifiedAccess>]
module internal CommandKeys =

    let private items (reply: RedisResult) : RedisResult[] =
        if isNull (box reply) || reply.IsNull || reply.Resp2Type <> ResultType.Array then [||] else RedisResult.op_Explicit reply

    let private text (reply: RedisResult) : string =
        if isNull (box reply) || reply.IsNull then "" else (RedisResult.op_Explicit reply: string)

    let private number (reply: RedisResult) : int =
        match Int32.TryParse(text reply) with
        | true, n -> n
        | _ -> 0

    // A RESP2 flat map (or a RESP3 map as StackExchange.Redis flattens it): key, value, key, value...
    let private fields (reply: RedisResult) : Map<string, RedisResult> =
        let a = items reply
        [ for i in 0..2 .. a.Length - 2 -> (text a[i]).ToLowerInvariant(), a[i + 1] ] |> Map.ofList

    let private field name (map: Map<string, RedisResult>) = Map.tryFind name map |> Option.map fields |> Option.defaultValue Map.empty

    let private fieldNumber name (map: Map<string, RedisResult>) = Map.tryFind name map |> Option.map number |> Option.defaultValue 0

    let private keySpec (reply: RedisResult) : KeySpec =
        let spec = fields reply
        let search = field "begin_search" spec
        let find = field "find_keys" spec
        let searchSpec = field "spec" search
        let findSpec = field "spec" find
        let kind (m: Map<string, RedisResult>) = Map.tryFind "type" m |> Option.map text |> Option.defaultValue ""
        let beginSearch =
            match kind search with
            | "index" -> BeginSearch.Index(fieldNumber "index" searchSpec)
            | "keyword" ->
                let keyword = Map.tryFind "keyword" searchSpec |> Option.map text |> Option.defaultValue ""
                BeginSearch.Keyword(keyword, fieldNumber "startfrom" searchSpec)
            | _ -> BeginSearch.Unknown
        let findKeys =
            match kind find with
            | "range" -> FindKeys.Range(fieldNumber "lastkey" findSpec, fieldNumber "keystep" findSpec, fieldNumber "limit" findSpec)
            | "keynum" -> FindKeys.KeyNum(fieldNumber "keynumidx" findSpec, fieldNumber "firstkey" findSpec, fieldNumber "keystep" findSpec)
            | _ -> FindKeys.Unknown
        { BeginSearch = beginSearch; FindKeys = findKeys }

    /// One command of a <c>COMMAND INFO</c> reply, or None for a nil entry (an unknown command).
    [<CompiledName("Parse")>]
    let rec parse (reply: RedisResult) : CommandKeys option =
        let info = items reply
        if info.Length < 6 then
            None
        else
            let flags = items info[2] |> Array.map (fun f -> (text f).ToLowerInvariant())
            let name = (text info[0]).ToLowerInvariant()
            let subcommands =
                if info.Length > 9 then
                    items info[9]
                    |> Array.choose parse
                    |> Array.map (fun s ->
                        let bar = s.Name.IndexOf '|'
                        (if bar >= 0 then s.Name.Substring(bar + 1) else s.Name), s)
                    |> Map.ofArray
                else
                    Map.empty
            Some
                { Name = name
                  KeySpecs = (if info.Length > 8 then items info[8] |> Array.map keySpec |> List.ofArray else [])
                  FirstKey = number info[3]
                  LastKey = number info[4]
                  Step = number info[5]
                  MovableKeys = Array.contains "movablekeys" flags
                  Subcommands = subcommands }

    // The keys one specification finds in argv (argv[0] is the command name); None when it cannot tell.
    let private specKeys (argv: string[]) (spec: KeySpec) : int list option =
        let argc = argv.Length
        let start =
            match spec.BeginSearch with
            | BeginSearch.Index i -> Some(Some i)
            | BeginSearch.Keyword(keyword, from) ->
                let matches i = String.Equals(argv[i], keyword, StringComparison.OrdinalIgnoreCase)
                let found =
                    if from >= 0 then
                        seq { max 1 from .. argc - 1 } |> Seq.tryFind matches
                    else
                        seq { argc + from .. -1 .. 1 } |> Seq.tryFind matches
                // No keyword: this specification finds no key in this call.
                Some(found |> Option.map (fun i -> i + 1))
            | BeginSearch.Unknown -> None
        match start with
        | None -> None
        | Some None -> Some []
        | Some(Some first) ->
            match spec.FindKeys with
            | FindKeys.Range(lastKey, step, limit) ->
                let last =
                    if lastKey >= 0 then first + lastKey
                    elif limit <= 1 then argc + lastKey
                    else first + ((argc - first) / limit + lastKey)
                let step = max 1 step
                Some [ for i in first..step .. min last (argc - 1) -> i ]
            | FindKeys.KeyNum(numIndex, firstKey, step) ->
                let at = first + numIndex
                if at >= argc then
                    Some []
                else
                    match Int32.TryParse argv[at] with
                    | true, count when count >= 0 ->
                        let from = first + firstKey
                        let step = max 1 step
                        Some
                            [ for k in 0 .. count - 1 do
                                  let i = from + k * step
                                  if i < argc then i ]
                    | _ -> None
            | FindKeys.Unknown -> None

    // The legacy first/last/step range (servers before Redis 7).
    let private legacyKeys (argv: string[]) (info: CommandKeys) : int list option =
        if info.MovableKeys then
            None
        elif info.FirstKey <= 0 then
            Some []
        else
            let last = if info.LastKey < 0 then argv.Length + info.LastKey else info.LastKey
            Some [ for i in info.FirstKey .. max 1 info.Step .. min last (argv.Length - 1) -> i ]

    /// Where the keys of a call are, given the arguments as text (the command name not included).
    /// A subcommand ("OBJECT ENCODING key") uses its own specifications. Specifications the server
    /// marks unknown (keys that derive from data, such as SORT's BY and GET patterns) find no key;
    /// a command with movable keys and no specifications is Unknown.
    [<CompiledName("Positions")>]
    let positions (info: CommandKeys) (args: string[]) : KeyPositions =
        let info =
            if args.Length > 0 && not info.Subcommands.IsEmpty then
                match Map.tryFind (args[0].ToLowerInvariant()) info.Subcommands with
                | Some sub -> sub
                | None -> info
            else
                info
        let argv = Array.append [| info.Name |] args
        let found =
            if info.KeySpecs.IsEmpty then
                legacyKeys argv info
            else
                let known = info.KeySpecs |> List.choose (specKeys argv)
                if known.IsEmpty && info.MovableKeys then None else Some(List.concat known)
        match found with
        | None -> KeyPositions.Unknown
        | Some indexes -> KeyPositions.Known(indexes |> List.distinct |> List.sort |> List.map (fun i -> i - 1) |> List.toArray)

    /// A raw command's argument as the server reads it, for finding keywords and key counts.
    [<CompiledName("ArgumentText")>]
    let argumentText (arg: obj) : string =
        match arg with
        | null -> ""
        | :? string as s -> s
        | :? RedisKey as k -> string k
        | :? RedisValue as v -> string v
        | :? (byte[]) as b -> Text.Encoding.UTF8.GetString b
        | :? IFormattable as f -> f.ToString(null, Globalization.CultureInfo.InvariantCulture)
        | other -> string other

    let private toKey (arg: obj) : obj =
        match arg with
        | :? RedisKey -> arg
        | :? string as s -> box (RedisKey.op_Implicit s)
        | :? RedisValue as v ->
            let bytes: byte[] = RedisValue.op_Implicit v
            box (RedisKey.op_Implicit bytes)
        | :? (byte[]) as b -> box (RedisKey.op_Implicit b)
        | other -> box (RedisKey.op_Implicit (argumentText other))

    /// A raw command's arguments with the keys at `positions` as <see cref="RedisKey"/> and any
    /// other <see cref="RedisKey"/> as a value (its bytes kept). The same array when nothing changes.
    [<CompiledName("Route")>]
    let route (positions: int[]) (args: obj[]) : obj[] =
        let isKey i = Array.contains i positions
        let needs i (a: obj) = (isKey i && not (a :? RedisKey)) || (not (isKey i) && (a :? RedisKey))
        if not (args |> Array.mapi needs |> Array.exists id) then
            args
        else
            args
            |> Array.mapi (fun i a ->
                if isKey i then
                    toKey a
                else
                    match a with
                    | :? RedisKey as k -> box (Args.keyToValue k)
                    | _ -> a)
