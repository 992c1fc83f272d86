namespace LuaScripts.Core

open System
open System.Security.Cryptography
open System.Text

/// The SHA1 digest Redis uses to name a script: computed over the UTF-8 bytes of the body.
[<RequireQualifiedAccess>]
module Sha1 =

    /// The 20-byte SHA1 digest of a script body's UTF-8 bytes (the form EVALSHA takes through StackExchange.Redis).
    [<CompiledName("HashBytes")>]
    let hashBytes (body: string) : byte[] = SHA1.HashData(Encoding.UTF8.GetBytes body)

    /// A digest as 40 lower-case hexadecimal characters, as `SCRIPT LOAD` returns it.
    [<CompiledName("ToHex")>]
    let toHex (digest: byte[]) : string = Convert.ToHexString(digest).ToLowerInvariant()

    /// The lower-case hexadecimal SHA1 of a script body, equal to what `SCRIPT LOAD` returns for it.
    [<CompiledName("Hex")>]
    let hex (body: string) : string = body |> hashBytes |> toHex
