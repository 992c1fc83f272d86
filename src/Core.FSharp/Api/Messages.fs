namespace LuaScripts.Core

open System
open System.Collections.Generic
open StackExchange.Redis

/// The sentences of the errors that only a facade raises (a failed pipeline's summary, a pipeline
/// executed twice, a missing command name, binding an interface to commands, a reply that does not
/// convert to a method's return type, registering a client in a host), so that every message of the
/// library is written here, in the core, once. The error values of the core have theirs next to
/// them (<c>ArgumentError.describe</c>, <c>RunError.describe</c>, <c>ExecutionError.describe</c>...).
/// Type names are passed in as the caller's language writes them.
[<RequireQualifiedAccess>]
module Messages =

    /// How many failed positions a pipeline's summary names before it counts the rest.
    [<Literal>]
    let private ShownFailures = 5

    /// The summary of a pipeline or transaction some positions of which failed: each failure is its
    /// position (from 0), the command at that position and the server's message; the first five are named.
    [<CompiledName("PipelineFailed")>]
    let pipelineFailed (transaction: bool) (failures: IReadOnlyList<struct (int * string * string)>) : string =
        let shown =
            failures
            |> Seq.truncate ShownFailures
            |> Seq.map (fun (struct (index, name, message)) -> $"#{index} '{name}': {message}")
            |> String.concat "; "
        let more = if failures.Count > ShownFailures then $"; and {failures.Count - ShownFailures} more" else ""
        let what = if transaction then "transaction" else "pipeline"
        $"{failures.Count} position(s) of the {what} failed: {shown}{more}"

    /// Binding an interface's methods to defined commands (the C# facade's <c>Bind&lt;T&gt;()</c> and
    /// <c>Commands</c>). A method is named as <c>Interface.Method</c>.
    [<RequireQualifiedAccess>]
    module Binding =

        /// The message of a refused binding: the interface and every problem found, one a line.
        [<CompiledName("Failed")>]
        let failed (interfaceName: string) (problems: IReadOnlyList<string>) : string =
            $"Cannot bind {interfaceName} to script commands ({problems.Count} problem(s)):"
            + Environment.NewLine
            + " - "
            + String.Join(Environment.NewLine + " - ", problems)

        /// A type that is not an interface was to be bound.
        [<CompiledName("NotAnInterface")>]
        let notAnInterface (typeName: string) : string = $"{typeName} is not an interface: only interfaces can be bound to script commands."

        /// A static abstract member of the interface.
        [<CompiledName("StaticAbstractMember")>]
        let staticAbstractMember (method: string) : string = $"{method}: static abstract members cannot be bound."

        /// A property or an event of the interface.
        [<CompiledName("PropertyOrEvent")>]
        let propertyOrEvent (method: string) : string = $"{method}: properties and events cannot be bound; declare methods only."

        /// A method with a default body.
        [<CompiledName("DefaultBody")>]
        let defaultBody (method: string) : string = $"{method}: a method with a default body cannot be bound; declare it without a body."

        /// A generic method.
        [<CompiledName("GenericMethod")>]
        let genericMethod (method: string) : string = $"{method}: generic methods cannot be bound."

        /// A method whose command attribute gives no name.
        [<CompiledName("AttributeWithoutName")>]
        let attributeWithoutName (method: string) : string = $"{method}: its [ScriptCommand] attribute names no command."

        /// A method whose return type cannot be converted to; <paramref name="supportedReturns"/> lists
        /// those that can.
        [<CompiledName("UnsupportedReturn")>]
        let unsupportedReturn (method: string) (returnTypeName: string) (supportedReturns: string) : string =
            $"{method}: returns {returnTypeName}, which is not supported; return {supportedReturns}."

        /// A parameter passed by reference.
        [<CompiledName("ByRefParameter")>]
        let byRefParameter (method: string) (parameter: string) : string =
            $"{method}: parameter '{parameter}' is passed by reference (ref, out or in), which cannot be sent."

        /// A parameter of a type that cannot be sent (see <see cref="ArgumentValue.kindOf"/>).
        [<CompiledName("UnsupportedParameter")>]
        let unsupportedParameter (method: string) (parameter: string) (typeName: string) : string =
            $"{method}: parameter '{parameter}' is {typeName}, which cannot be sent; use {ArgumentValue.supportedArguments}."

        /// Where an interface bound to a client looks its commands up, as <see cref="commandNotDefined"/> names it.
        [<Literal>]
        let OnClient = "this client"

        /// Where an interface bound to a pipeline or transaction looks its commands up.
        [<CompiledName("OnPipelineClient")>]
        let onPipelineClient (transaction: bool) : string = if transaction then "this transaction's client" else "this pipeline's client"

        /// A method whose command is not defined where it is bound (<paramref name="where"/>:
        /// <see cref="OnClient"/>, <see cref="onPipelineClient"/>).
        [<CompiledName("CommandNotDefined")>]
        let commandNotDefined (method: string) (command: string) (where: string) : string =
            $"{method}: the command '{command}' is not defined on {where}."

        /// A method that passes fewer arguments than its fixed-key command has keys.
        [<CompiledName("TooFewParameters")>]
        let tooFewParameters (method: string) (command: string) (keys: int) (passes: int) : string =
            $"{method}: the command '{command}' takes {keys} key(s), but the method passes {passes} argument(s)."

        /// A method that passes no argument to a dynamic-key command, which needs a key count.
        [<CompiledName("NoKeyCount")>]
        let noKeyCount (method: string) (command: string) : string =
            $"{method}: the command '{command}' has a dynamic key count, so its first argument must be the number "
            + "of keys, but the method passes no argument."

        /// A call of a bound method gave a null array for an array (or params) parameter.
        [<CompiledName("NullArray")>]
        let nullArray (method: string) (parameter: string) : string =
            $"The method {method} was given a null array for its parameter '{parameter}'."

        /// A method of the bound object that is bound to no command.
        [<CompiledName("NotBound")>]
        let notBound (method: string) : string = $"The method {method} is not bound to a script command."

        /// A command's reply does not convert to the method's return type. <paramref name="expected"/>
        /// is the return type (inside its task), <paramref name="expectedName"/> its name as the caller
        /// writes it; nil to a value type that is not nullable suggests the nullable form.
        [<CompiledName("ResultNotConverted")>]
        let resultNotConverted (scriptName: string) (method: string) (expected: Type) (expectedName: string) (reply: RedisResult) : string =
            let isNil = isNull (box reply) || reply.IsNull
            let hint =
                if isNil && expected.IsValueType && isNull (Nullable.GetUnderlyingType expected) then
                    $" Declare {expectedName}? to accept nil."
                else
                    ""
            $"The method {method} returns {expectedName}, but its script command '{scriptName}' "
            + $"returned {Decode.describe reply}, which does not convert to it.{hint}"

        /// A command's reply, or a part of it, does not have the shape its target needs (an array for a
        /// list, fields for a record, field/value pairs for a dictionary). <paramref name="memberName"/> is
        /// the target, as <c>Interface.Method</c> with <c>.Member</c> or <c>[index]</c> for nested
        /// targets; <paramref name="reason"/> is a decoder's sentence fragment, which describes the reply.
        [<CompiledName("ReplyNotConverted")>]
        let replyNotConverted (scriptName: string) (memberName: string) (reason: string) : string =
            $"The reply of the script command '{scriptName}' does not convert at {memberName}: {reason}."

        /// A method whose return type contains a target a reply cannot convert to: <paramref name="at"/>
        /// is where (the return type, or <c>Type.Member</c>, <c>Type[]</c>...), <paramref name="reason"/>
        /// one of the sentence ends below (<see cref="notConvertible"/>...).
        [<CompiledName("UnsupportedTarget")>]
        let unsupportedTarget (method: string) (returnTypeName: string) (at: string) (reason: string) : string =
            $"{method}: returns {returnTypeName}, which a reply cannot convert to: {at} {reason}."

        /// Why a target is not supported: its type is none of the shapes a reply maps to.
        [<CompiledName("NotConvertible")>]
        let notConvertible (typeName: string) : string =
            $"is {typeName}, which is not a leaf type, a record, class or struct, a ValueTuple, a list, an array or "
            + "a dictionary with string keys"

        /// Why a target is not supported: more than one public constructor takes parameters, so which
        /// one builds it is not clear.
        [<CompiledName("AmbiguousConstructors")>]
        let ambiguousConstructors (typeName: string) (count: int) : string =
            $"is {typeName}, which has {count} public constructors with parameters; give it one, "
            + "or a public parameterless constructor and settable properties"

        /// Why a target is not supported: no constructor parameters and no settable properties to fill.
        [<CompiledName("NoMembers")>]
        let noMembers (typeName: string) : string =
            $"is {typeName}, which has neither a public constructor with parameters nor settable public properties"

        /// Why a target is not supported: a ValueTuple of more than seven elements.
        [<CompiledName("TupleTooLong")>]
        let tupleTooLong (typeName: string) : string = $"is {typeName}; a ValueTuple of more than 7 elements is not supported, use a record"

        /// A conversion was asked for a type that is not one of the single conversions of replies.
        [<CompiledName("NotALeaf")>]
        let notALeaf (typeName: string) (supported: string) : string =
            $"{typeName} is not a type a reply converts to directly; the types that do are {supported}."

        /// A command reached through the dynamic view that was not defined to be installed.
        [<CompiledName("NotInstalled")>]
        let notInstalled (scriptName: string) : string =
            $"The script command '{scriptName}' is defined on this client but not installed: only commands "
            + "defined with Install = true can be called through Commands. Run it with RunScriptAsync, or define it with Install = true."

    /// The backends a client may be given, as a message lists them.
    [<Literal>]
    let Backends = "Scripts, Functions or Auto"

    /// A backend that is none of <see cref="Backends"/> (an undefined enum value).
    [<Literal>]
    let UnknownBackend = "Backend must be " + Backends + "."

    /// A command name that is null, empty or white space where one is required.
    [<Literal>]
    let CommandNameRequired = "A command name is required."

    /// A pipeline or transaction executed a second time.
    [<CompiledName("AlreadyExecuted")>]
    let alreadyExecuted (transaction: bool) : string =
        let what = if transaction then "transaction" else "pipeline"
        $"This {what} has already been executed; create a new one."

    /// Registering a client in a host (the hosting package): its options and its multiplexer. A
    /// client is named as the host shows it ("ScriptClient", "ScriptClient 'orders'").
    [<RequireQualifiedAccess>]
    module Hosting =

        /// What a boolean setting expects.
        [<Literal>]
        let ExpectedBoolean = "true or false"

        /// What the database setting expects.
        [<Literal>]
        let ExpectedDatabase = "a database number (0, 1, ...) or -1 for the multiplexer's default"

        /// What the preload-failure setting expects.
        [<Literal>]
        let ExpectedPreloadFailure = "FailStartup or Log"

        /// A configuration value that does not read as its setting's type (`path`: the setting's
        /// configuration path, `expected`: what it takes).
        [<CompiledName("InvalidSetting")>]
        let invalidSetting (path: string) (value: string) (expected: string) : string = $"{path} is '{value}'; expected {expected}."

        /// An option set in code to a value it does not take (`client`: "" for the default client,
        /// " (name)" for a named one).
        [<CompiledName("InvalidOption")>]
        let invalidOption (option: string) (client: string) (value: string) (expected: string) : string =
            $"LuaScriptsOptions.{option}{client} is {value}; expected {expected}."

        /// Watching the scripts directory with no directory set.
        [<CompiledName("WatchWithoutDirectory")>]
        let watchWithoutDirectory (client: string) : string =
            $"LuaScriptsOptions.WatchScripts{client} is true but ScriptsDirectory is not set; set the directory to watch."

        /// The multiplexer factory given at registration returned null.
        [<CompiledName("MultiplexerFactoryReturnedNull")>]
        let multiplexerFactoryReturnedNull (client: string) : string =
            $"The multiplexer factory given to AddKeyedLuaScripts for {client} returned null."

        /// No multiplexer is registered for a client (`serviceKey`: null for the unkeyed client).
        [<CompiledName("NoMultiplexer")>]
        let noMultiplexer (client: string) (serviceKey: string) : string =
            match serviceKey with
            | null ->
                "LuaScripts needs an IConnectionMultiplexer, and none is registered. Register one before the host starts: "
                + "services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(\"localhost:6379\")), "
                + "or with .NET Aspire, builder.AddRedisClient(\"name\")."
            | key ->
                $"LuaScripts needs an IConnectionMultiplexer for {client}, and none is registered under the key '{key}'. "
                + $"Register one under the same key (services.AddKeyedSingleton<IConnectionMultiplexer>(\"{key}\", (_, _) => ConnectionMultiplexer.Connect(\"localhost:6379\")), "
                + $"or with .NET Aspire, builder.AddKeyedRedisClient(\"{key}\")), or pass a multiplexer factory to AddKeyedLuaScripts."

        /// The health check's entry for one server: down, could not be inspected (`failure`, null
        /// when it answered), lacks commands (`missing`), or holds every command.
        [<CompiledName("ServerHealth")>]
        let serverHealth (connected: bool) (failure: string) (missing: IReadOnlyList<string>) : string =
            if not connected then "not connected"
            elif not (isNull failure) then $"could not be inspected: {failure}"
            elif missing.Count > 0 then "lacks " + String.Join(", ", missing)
            else "holds every command"

        /// The health check's description when the servers could not be asked.
        [<CompiledName("HealthCheckFailed")>]
        let healthCheckFailed (reason: string) : string = $"LuaScripts could not ask the servers: {reason}"
