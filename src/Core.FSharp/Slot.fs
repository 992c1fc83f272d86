namespace LuaScripts.Core

open System
open StackExchange.Redis

/// Redis Cluster hash slots, as the cluster specification defines them: CRC16 (XMODEM) of the key,
/// or of the part between the first '{' and the next '}' when that part is not empty, modulo 16384.
[<RequireQualifiedAccess>]
module Slot =

    /// How many hash slots a cluster has.
    [<Literal>]
    let Count = 16384

    let private table =
        Array.init 256 (fun i ->
            let mutable crc = uint16 (i <<< 8)
            for _ in 0..7 do
                crc <- if crc &&& 0x8000us <> 0us then (crc <<< 1) ^^^ 0x1021us else crc <<< 1
            crc)

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as Redis Cluster uses it.
    [<CompiledName("Crc16")>]
    let crc16 (data: ReadOnlySpan<byte>) : uint16 =
        let mutable crc = 0us
        for b in data do
            crc <- (crc <<< 8) ^^^ table[int ((crc >>> 8) ^^^ uint16 b) &&& 0xff]
        crc

    /// The part of a key that is hashed: the hash tag when the key has a non-empty one, else the key.
    [<CompiledName("HashedPart")>]
    let hashedPart (key: byte[]) : ReadOnlyMemory<byte> =
        let whole = ReadOnlyMemory<byte>(key)
        match Array.IndexOf(key, byte '{') with
        | -1 -> whole
        | open' ->
            match Array.IndexOf(key, byte '}', open' + 1) with
            | -1 -> whole
            | close when close = open' + 1 -> whole
            | close -> whole.Slice(open' + 1, close - open' - 1)

    /// The hash slot of a key given as bytes.
    [<CompiledName("OfBytes")>]
    let ofBytes (key: byte[]) : int = int (crc16 (hashedPart key).Span) % Count

    /// The hash slot of a key.
    [<CompiledName("OfKey")>]
    let ofKey (key: RedisKey) : int =
        let bytes: byte[] = RedisKey.op_Implicit key
        ofBytes (if isNull bytes then Array.Empty<byte>() else bytes)

    /// The one slot all keys share: None for no keys, Error with the distinct slots when they differ.
    [<CompiledName("Common")>]
    let common (keys: RedisKey[]) : Result<int option, int list> =
        if isNull keys || keys.Length = 0 then
            Ok None
        else
            let first = ofKey keys[0]
            let mutable others = []
            for i in 1 .. keys.Length - 1 do
                let s = ofKey keys[i]
                if s <> first && not (List.contains s others) then others <- s :: others
            if others.IsEmpty then Ok(Some first) else Error(first :: List.rev others)
