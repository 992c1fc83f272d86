/// FsCheck generators shared by the property tests: command names (with Unicode), Lua bodies, flat
/// argument arrays (with binary and empty values) and key counts, plus small helpers.
module LuaScripts.Core.Tests.Generators

open System
open System.Text
open Expecto
open FsCheck
open FsCheck.FSharp
open StackExchange.Redis
open LuaScripts.Core

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// A RedisValue from text.
let rv (s: string) : RedisValue = RedisValue.op_Implicit s

/// A RedisValue from bytes.
let rvBytes (b: byte[]) : RedisValue = RedisValue.op_Implicit b

/// A RedisValue from an integer.
let rvInt (n: int64) : RedisValue = RedisValue.op_Implicit n

/// A RedisKey from text.
let rk (s: string) : RedisKey = RedisKey.op_Implicit s

/// The bytes a value is sent as (null for RedisValue.Null).
let bytesOf (v: RedisValue) : byte[] = RedisValue.op_Implicit v

/// The bytes a key is sent as.
let keyBytes (k: RedisKey) : byte[] = RedisKey.op_Implicit k

/// Values compared as the bytes that go on the wire.
let wire (vs: RedisValue[]) : byte[] list = vs |> Array.map bytesOf |> List.ofArray

/// Keys compared as the bytes that go on the wire.
let wireKeys (ks: RedisKey[]) : byte[] list = ks |> Array.map keyBytes |> List.ofArray

/// A script that must be valid.
let scriptOf (name: string) (lua: string) (keyCount: KeyCount) : Script =
    match Script.create name lua keyCount ScriptOptions.defaults with
    | Ok s -> s
    | Error e -> failwithf "test setup: %s" (DefinitionError.describe e)

/// An invocation that must be valid.
let invocationOf (script: Script) (args: RedisValue[]) : Invocation =
    match Args.invoke script args with
    | Ok inv -> inv
    | Error e -> failwithf "test setup: %s" (ArgumentError.describe script.Name e)

/// A readable form of a value for failure messages: text, or hex for bytes that are not UTF-8 text.
let show (v: RedisValue) : string =
    if v.IsNull then
        "Null"
    else
        let b = bytesOf v
        try
            let s = UTF8Encoding(false, true).GetString b
            $"%A{s}"
        with :? DecoderFallbackException ->
            "0x" + Convert.ToHexString b

/// A valid command name: never white space only, no control character, often non-ASCII.
type ScriptName =
    | ScriptName of string
    override this.ToString() = let (ScriptName s) = this in $"ScriptName %A{s}"

/// A Lua body that is not white space only.
type LuaBody =
    | LuaBody of string
    override this.ToString() = let (LuaBody s) = this in $"LuaBody %A{s}"

/// A flat argument array: text (ASCII and not), integers, binary (invalid UTF-8, NUL bytes) and
/// empty values.
type Values =
    | Values of RedisValue[]
    override this.ToString() =
        let (Values vs) = this
        let shown = vs |> Array.map show |> String.concat "; "
        $"Values [{shown}]"

/// A sequence of (name, Lua) definitions whose names come from a small pool, so that the same name
/// is often defined more than once.
type Definitions =
    | Definitions of (string * string) list
    override this.ToString() = let (Definitions ds) = this in $"Definitions %A{ds}"

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

let private charIn (lo: int) (hi: int) = Gen.choose (lo, hi) |> Gen.map char

/// One printable, non-white-space, non-control character from several scripts of the world.
let private visibleChar: Gen<char> =
    Gen.frequency
        [ 6, charIn (int 'a') (int 'z')
          2, charIn (int 'A') (int 'Z')
          2, charIn (int '0') (int '9')
          2, Gen.elements [ '_'; '-'; ':'; '.'; '/'; '{'; '}'; '#' ]
          1, charIn 0xA1 0xFF // Latin-1 supplement (0x80-0x9F are C1 controls)
          1, charIn 0x391 0x3C9 // Greek
          1, charIn 0x410 0x44F // Cyrillic
          1, charIn 0x5D0 0x5EA // Hebrew (right to left)
          1, charIn 0x4E00 0x9FFF ] // CJK
    |> Gen.filter (fun c -> not (Char.IsControl c) && not (Char.IsWhiteSpace c))

/// Whole Unicode fragments, including surrogate pairs, combining marks and joiners.
let private unicodeFragment: Gen<string> =
    Gen.elements [ "é"; "e\u0301"; "日本語"; "🚀"; "👩‍💻"; "Ünïcödé"; "ß"; "ﬁ"; "İ"; "𝔘"; "كلمة"; "naïve café"; "a b" ]

/// A valid command name (1 to ~20 characters), sometimes with inner or surrounding spaces.
let scriptNameGen: Gen<string> =
    gen {
        let! head = Gen.oneof [ visibleChar |> Gen.map string; unicodeFragment ]
        let! rest =
            Gen.listOf (Gen.frequency [ 8, visibleChar |> Gen.map string; 2, unicodeFragment; 1, Gen.constant " " ])
            |> Gen.resize 12
        let! pad = Gen.frequency [ 9, Gen.constant ""; 1, Gen.constant " " ]
        return pad + head + String.concat "" rest
    }

/// A non-blank Lua body: a small real script, sometimes with Unicode in a comment or a literal.
let luaBodyGen: Gen<string> =
    gen {
        let! n = Gen.choose (0, 1_000_000)
        let! text = scriptNameGen
        let safe = text.Replace("\\", "").Replace("'", "").Replace("]", "")
        return!
            Gen.elements
                [ $"return {n}"
                  "return KEYS[1]"
                  "return ARGV[1]"
                  $"return #KEYS + #ARGV + {n}"
                  "return redis.call('GET', KEYS[1])"
                  $"-- {safe}\nreturn {n}"
                  $"return '{safe}'"
                  $"local x = {n}\nreturn {{x, '{safe}'}}" ]
    }

/// One argument value: text, integers, binary, empty.
let redisValueGen: Gen<RedisValue> =
    Gen.frequency
        [ 4, scriptNameGen |> Gen.map rv
          2, Gen.choose (-1000, 1000) |> Gen.map (int64 >> rvInt)
          1, Gen.elements [ Int64.MinValue; Int64.MaxValue; 0L ] |> Gen.map rvInt
          3, Gen.arrayOf (Gen.choose (0, 255) |> Gen.map byte) |> Gen.resize 24 |> Gen.map rvBytes
          1, Gen.elements [ [| 0uy |]; [| 0xFFuy; 0xFEuy |]; [| 0xC3uy |]; [| 0xEDuy; 0xA0uy; 0x80uy |] ] |> Gen.map rvBytes
          1, Gen.elements [ RedisValue.EmptyString; rv ""; rvBytes [||] ] ]

/// A flat argument array of 0 to ~12 values.
let valuesGen: Gen<RedisValue[]> = Gen.arrayOf redisValueGen |> Gen.resize 12

/// A key count that a definition accepts: fixed 0 to 6, or dynamic.
let keyCountGen: Gen<KeyCount> =
    Gen.frequency [ 3, Gen.choose (0, 6) |> Gen.map KeyCount.Fixed; 1, Gen.constant KeyCount.Dynamic ]

/// Definitions over a pool of 1 to 5 names.
let definitionsGen: Gen<(string * string) list> =
    gen {
        let! poolSize = Gen.choose (1, 5)
        let! pool = Gen.listOfLength poolSize scriptNameGen
        return! Gen.listOf (Gen.zip (Gen.elements pool) luaBodyGen) |> Gen.resize 15
    }

/// The arbitraries registered for the property tests.
type Arbitraries =
    /// Valid command names.
    static member ScriptName() : Arbitrary<ScriptName> = Arb.fromGen (scriptNameGen |> Gen.map ScriptName)
    /// Lua bodies.
    static member LuaBody() : Arbitrary<LuaBody> = Arb.fromGen (luaBodyGen |> Gen.map LuaBody)
    /// Flat argument arrays, shrinking by dropping values.
    static member Values() : Arbitrary<Values> =
        let shrink (Values vs) =
            seq {
                for i in 0 .. vs.Length - 1 do
                    Values(Array.append vs[.. i - 1] vs[i + 1 ..])
            }
        Arb.fromGenShrink (valuesGen |> Gen.map Values, shrink)
    /// Definitions with repeated names.
    static member Definitions() : Arbitrary<Definitions> =
        let shrink (Definitions ds) =
            seq {
                for i in 0 .. List.length ds - 1 do
                    Definitions(List.removeAt i ds)
            }
        Arb.fromGenShrink (definitionsGen |> Gen.map Definitions, shrink)
    /// Valid key counts.
    static member KeyCount() : Arbitrary<KeyCount> = Arb.fromGen keyCountGen

/// The FsCheck configuration of every property: our arbitraries, 100 cases.
let config: FsCheckConfig = { FsCheckConfig.defaultConfig with arbitrary = [ typeof<Arbitraries> ]; maxTest = 100 }

/// A property test with our arbitraries.
let inline property name (body: 'a) = testPropertyWithConfig config name body
