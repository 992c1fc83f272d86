using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts.Core;
using Microsoft.Extensions.Logging;
using Microsoft.FSharp.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// Defines named Lua commands and runs them by name over a StackExchange.Redis connection.
/// Sends EVALSHA once a server is known to hold a script, and heals by itself when a server has
/// lost its script cache (restart, failover, SCRIPT FLUSH): no NOSCRIPT ever reaches the caller.
/// Thread-safe: define and run from any number of threads. Each client has its own commands;
/// another client over the same connection never sees them.
/// </summary>
public sealed partial class ScriptClient
{
    private readonly Client core;
    private readonly IDatabase database;

    /// <summary>Creates a client over a connection.</summary>
    /// <param name="multiplexer">The connection; shared, not owned (the client never disposes it).</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    public ScriptClient(IConnectionMultiplexer multiplexer, ScriptClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        Options = options ?? new ScriptClientOptions();
        var backend = Options.Backend switch
        {
            ScriptBackend.Scripts => Backend.Scripts,
            ScriptBackend.Functions => Backend.Functions,
            ScriptBackend.Auto => Backend.Auto,
            _ => throw new ArgumentOutOfRangeException(nameof(options), Options.Backend, Messages.UnknownBackend),
        };
        var prefix = string.IsNullOrEmpty(Options.KeyPrefix) ? FSharpOption<string>.None : FSharpOption<string>.Some(Options.KeyPrefix);
        core = new Client(multiplexer, new ClientOptions(Options.Database, backend, prefix, Options.LoggerFactory is null ? FSharpOption<ILoggerFactory>.None : FSharpOption<ILoggerFactory>.Some(Options.LoggerFactory)));
        database = core.Database;
        OnFailure = ExceptionFactory.For(core);
    }

    /// <summary>The connection.</summary>
    public IConnectionMultiplexer Multiplexer => core.Multiplexer;

    /// <summary>The settings.</summary>
    public ScriptClientOptions Options { get; }

    /// <summary>The database calls run against (key-prefixed when <see cref="ScriptClientOptions.KeyPrefix"/> is set).</summary>
    public IDatabase Database => database;

    internal Client Core => core;

    /// <summary>How this client's failures become exceptions (script failures placed in their source).</summary>
    internal FSharpFunc<RunError, Exception> OnFailure { get; }

    /// <summary>
    /// The backend calls use now: <see cref="ScriptClientOptions.Backend"/>, or for
    /// <see cref="ScriptBackend.Auto"/> what it decided (<see cref="ScriptBackend.Scripts"/> until the
    /// first call or preload has decided for <see cref="ScriptBackend.Functions"/>).
    /// </summary>
    public ScriptBackend ActiveBackend => ClientModule.ActiveBackend(core).IsFunctions ? ScriptBackend.Functions : ScriptBackend.Scripts;

    /// <summary>
    /// The Redis Function library the defined commands are deployed as with the Functions backend:
    /// its name, its exact source (what FUNCTION LOAD receives), each command's function name, and
    /// the commands left out of it (which run as scripts) with the reason. Nothing is sent.
    /// </summary>
    public FunctionLibraryInfo DescribeFunctionLibrary()
    {
        var library = ClientModule.FunctionLibrary(core);
        return new FunctionLibraryInfo(
            library.Name,
            library.Code,
            library.Functions.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            library.Excluded.ToDictionary(e => e.Item1, e => e.Item2, StringComparer.Ordinal));
    }

    /// <summary>
    /// Defines a named command, or replaces the one defined under that name (later calls run the new
    /// body; handles to the old one keep running theirs). Nothing is sent to the server.
    /// </summary>
    /// <param name="name">The command's name: not empty, no control characters. Case-sensitive.</param>
    /// <param name="definition">The Lua body and key count.</param>
    /// <returns>A handle to the defined script.</returns>
    /// <exception cref="InvalidScriptDefinitionException">The name, body or key count is not valid; nothing was defined.</exception>
    public ScriptHandle DefineCommand(string name, CommandDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var keyCount = definition.Keys is int n ? KeyCount.NewFixed(n) : KeyCount.Dynamic;
        var options = new ScriptOptions(
            definition.Description is null ? FSharpOption<string>.None : FSharpOption<string>.Some(definition.Description),
            definition.ReadOnly,
            definition.Install);
        var result = ClientModule.Define(name, definition.Lua, keyCount, options, core);
        if (result.IsError) throw ExceptionFactory.Definition(name, result.ErrorValue);
        return new ScriptHandle(this, result.ResultValue);
    }

    /// <summary>The handle of a defined command.</summary>
    /// <param name="name">The command's name.</param>
    /// <exception cref="UnknownScriptException">No command is defined under that name.</exception>
    public ScriptHandle GetScript(string name) =>
        TryGetScript(name, out var script) ? script : throw new UnknownScriptException(name);

    /// <summary>The handle of a defined command, if there is one.</summary>
    /// <param name="name">The command's name.</param>
    /// <param name="script">The handle, or <see langword="null"/>.</param>
    /// <returns>Whether a command is defined under that name.</returns>
    public bool TryGetScript(string name, [NotNullWhen(true)] out ScriptHandle? script)
    {
        if (core.Registry.TryGetValue(name, out var found))
        {
            script = new ScriptHandle(this, found);
            return true;
        }
        script = null;
        return false;
    }

    /// <summary>The names of the defined commands, in ordinal order.</summary>
    public IReadOnlyCollection<string> ListScripts() => RegistryModule.Names(core.Registry).ToList();

    /// <summary>Removes a defined command. Handles already taken keep working.</summary>
    /// <param name="name">The command's name.</param>
    /// <returns>Whether a command was defined under that name.</returns>
    public bool RemoveCommand(string name) => ClientModule.Remove(name, core);

    /// <summary>
    /// Runs a named command with flat arguments: for a command with a fixed key count the first
    /// <c>Keys</c> arguments are KEYS and the rest ARGV; for a dynamic one the first argument is the
    /// number of KEYS that follow.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="args">The flat arguments.</param>
    /// <returns>The script's reply.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was sent.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count; nothing was sent.</exception>
    /// <exception cref="ScriptExecutionException">The server failed the script.</exception>
    public Task<RedisResult> RunScriptAsync(string name, params RedisValue[] args)
    {
        var invocation = ClientModule.Invoke(name, args, core);
        if (invocation.IsError) throw ExceptionFactory.Run(invocation.ErrorValue);
        return ClientModule.Evaluate(OnFailure, CommandFlags.None, invocation.ResultValue, core);
    }

    /// <summary>
    /// Runs a named command with one flat argument, split as <see cref="RunScriptAsync(string, RedisValue[])"/>
    /// splits them, without building an argument array.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="arg0">The first flat argument.</param>
    /// <returns>The script's reply.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was sent.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count; nothing was sent.</exception>
    /// <exception cref="ScriptExecutionException">The server failed the script.</exception>
    public Task<RedisResult> RunScriptAsync(string name, RedisValue arg0) => RunFew(name, 1, arg0, default, default);

    /// <summary>
    /// Runs a named command with two flat arguments, split as <see cref="RunScriptAsync(string, RedisValue[])"/>
    /// splits them, without building an argument array.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="arg0">The first flat argument.</param>
    /// <param name="arg1">The second flat argument.</param>
    /// <returns>The script's reply.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was sent.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count; nothing was sent.</exception>
    /// <exception cref="ScriptExecutionException">The server failed the script.</exception>
    public Task<RedisResult> RunScriptAsync(string name, RedisValue arg0, RedisValue arg1) => RunFew(name, 2, arg0, arg1, default);

    /// <summary>
    /// Runs a named command with three flat arguments, split as <see cref="RunScriptAsync(string, RedisValue[])"/>
    /// splits them, without building an argument array.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="arg0">The first flat argument.</param>
    /// <param name="arg1">The second flat argument.</param>
    /// <param name="arg2">The third flat argument.</param>
    /// <returns>The script's reply.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was sent.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count; nothing was sent.</exception>
    /// <exception cref="ScriptExecutionException">The server failed the script.</exception>
    public Task<RedisResult> RunScriptAsync(string name, RedisValue arg0, RedisValue arg1, RedisValue arg2) => RunFew(name, 3, arg0, arg1, arg2);

    private Task<RedisResult> RunFew(string name, int count, RedisValue arg0, RedisValue arg1, RedisValue arg2)
    {
        var invocation = ClientModule.InvokeFew(name, count, arg0, arg1, arg2, core);
        if (invocation.IsError) throw ExceptionFactory.Run(invocation.ErrorValue);
        return ClientModule.Evaluate(OnFailure, CommandFlags.None, invocation.ResultValue, core);
    }

    /// <summary>
    /// Runs a named command with flat arguments (see <see cref="RunScriptAsync(string, RedisValue[])"/>),
    /// waiting at most until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="args">The flat arguments.</param>
    /// <param name="cancellationToken">Stops waiting for the reply; a command already sent still runs on the server.</param>
    /// <returns>The script's reply.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was sent.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count; nothing was sent.</exception>
    /// <exception cref="ScriptExecutionException">The script failed.</exception>
    /// <exception cref="ScriptRefusedException">The server refused it (BUSY, OOM, READONLY, NOPERM...).</exception>
    public Task<RedisResult> RunScriptAsync(string name, RedisValue[] args, CancellationToken cancellationToken)
    {
        return ScriptCalls.WaitAsync(RunScriptAsync(name, args), cancellationToken);
    }

    /// <summary>
    /// Stops a script or function that keeps a server busy (what a <see cref="ScriptRefusedException"/>
    /// with <see cref="RefusalReason.Busy"/> reports): SCRIPT KILL, or FUNCTION KILL then SCRIPT KILL
    /// with the Functions backend, on every connected server. A running script blocks the connection
    /// that started it, so call this on a client over another connection.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the kill already sent still happens.</param>
    /// <returns><see langword="true"/> when a running script was stopped, <see langword="false"/> when none was running.</returns>
    /// <exception cref="ScriptKillException">A script already wrote (UNKILLABLE) or a server could not be reached.</exception>
    public async Task<bool> KillRunningScriptAsync(CancellationToken cancellationToken = default)
    {
        var result = await ClientModule.KillRunningScripts(core).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsError) throw ExceptionFactory.Kill(result.ErrorValue);
        return result.ResultValue.IsKilled;
    }

    /// <summary>Runs a named command with explicit KEYS and ARGV.</summary>
    /// <param name="name">The command's name.</param>
    /// <param name="keys">The KEYS; for a fixed key count, exactly that many.</param>
    /// <param name="args">The ARGV.</param>
    /// <param name="flags">StackExchange.Redis command flags (e.g. <see cref="CommandFlags.PreferReplica"/> for read-only scripts).</param>
    /// <param name="cancellationToken">Stops waiting for the reply; a command already sent still runs on the server.</param>
    /// <returns>The script's reply.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was sent.</exception>
    /// <exception cref="ScriptArgumentException">The KEYS do not fit the key count; nothing was sent.</exception>
    /// <exception cref="ScriptExecutionException">The server failed the script.</exception>
    public Task<RedisResult> RunScriptAsync(string name, RedisKey[] keys, RedisValue[] args,
        CommandFlags flags = CommandFlags.None, CancellationToken cancellationToken = default)
    {
        var invocation = ClientModule.InvokeExplicit(name, keys, args, core);
        if (invocation.IsError) throw ExceptionFactory.Run(invocation.ErrorValue);
        var reply = ClientModule.Evaluate(OnFailure, flags, invocation.ResultValue, core);
        return cancellationToken.CanBeCanceled ? reply.WaitAsync(cancellationToken) : reply;
    }

    /// <summary>
    /// Loads every defined command on every server of the connection, pipelined: one round trip per
    /// server, servers in parallel. With the Scripts backend, SCRIPT LOAD of every command on every
    /// primary and replica; with Functions, FUNCTION LOAD REPLACE of the library on every primary
    /// (replicas receive it by replication) and SCRIPT LOAD of the commands left out of it. Not needed
    /// for correctness (calls heal by themselves); it saves the first call's load.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; loads already sent still complete on the servers.</param>
    /// <returns>How many (script or function, server) loads succeeded.</returns>
    /// <exception cref="ScriptLoadException">Some server refused (e.g. an ACL without SCRIPT or FUNCTION LOAD) or could not be reached; the others were loaded.</exception>
    public async Task<int> PreloadScriptsAsync(CancellationToken cancellationToken = default)
    {
        var result = await ClientModule.Preload(core).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsError) throw ExceptionFactory.Preload(result.ErrorValue);
        return result.ResultValue;
    }

    /// <summary>
    /// Asks every server of the connection whether it holds the defined commands, for the backend
    /// calls use now: SCRIPT EXISTS with Scripts, FUNCTION LIST of the library with Functions. Loads
    /// nothing; what a health check reports.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the servers' replies.</param>
    /// <returns>One entry per server, and the verdict.</returns>
    public async Task<DeploymentStatus> GetDeploymentStatusAsync(CancellationToken cancellationToken = default)
    {
        var status = await Inspect.Deployment(core).WaitAsync(cancellationToken).ConfigureAwait(false);
        var health = DeploymentStatusModule.Health(status);
        return new DeploymentStatus(
            status.Backend.IsFunctions ? ScriptBackend.Functions : ScriptBackend.Scripts,
            status.Library is null ? null : status.Library.Value,
            status.Commands.ToList(),
            status.Servers.Select(s => new ServerDeploymentStatus(
                s.EndPoint, s.IsReplica, s.IsConnected, s.Missing.ToList(), s.Failure is null ? null : s.Failure.Value)).ToList(),
            health.IsHealthy ? DeploymentHealth.Healthy : health.IsDegraded ? DeploymentHealth.Degraded : DeploymentHealth.Unhealthy,
            DeploymentStatusModule.Describe(status));
    }

    /// <summary>A pipeline: commands queued now, sent together in one round trip by <see cref="ScriptPipeline.ExecuteAsync"/>.</summary>
    public ScriptPipeline Pipeline() => new(this, transaction: false);

    /// <summary>A transaction: like a pipeline, but sent as MULTI/EXEC, all or nothing.</summary>
    public ScriptPipeline Transaction() => new(this, transaction: true);

    internal Script Find(string name) =>
        core.Registry.TryGetValue(name, out var script) ? script : throw new UnknownScriptException(name);

    /// <summary>
    /// An implementation of the interface <typeparamref name="T"/> whose methods run this client's
    /// commands: <c>[ScriptCommand("name")]</c> names a method's command, otherwise it is the method's
    /// name without an <c>Async</c> suffix in snake_case (<c>PublishToGroup</c> → <c>publish_to_group</c>).
    /// Parameters flatten in order (an array expands in place; a <see cref="CancellationToken"/> stops
    /// waiting) and split as <see cref="RunScriptAsync(string, RedisValue[])"/> splits them; the reply
    /// converts to the method's <c>Task&lt;T&gt;</c> through <see cref="ScriptReplies"/>: a leaf type, a
    /// record, class or struct (by position, or by name from a map or HGETALL-style pairs), a ValueTuple,
    /// a list, an array or a <c>Dictionary&lt;string, T&gt;</c>, nested, or their nullable forms (a
    /// mismatch raises <see cref="ScriptResultConversionException"/> naming the method and the member). Checked now: every method's
    /// command is defined here with few enough keys, and every return and parameter type is supported.
    /// Bound to this client only; the command is looked up by name at each call, so a redefinition is
    /// seen. Not trim- or Native-AOT-safe: it uses <see cref="System.Reflection.DispatchProxy"/>, which
    /// reads the interface by reflection and emits code at run time; run commands by name there.
    /// </summary>
    /// <typeparam name="T">An interface whose methods each return <c>Task</c> or <c>Task&lt;T&gt;</c>.</typeparam>
    /// <returns>The implementation; thread-safe.</returns>
    /// <exception cref="ScriptBindingException">T is not an interface, or some methods do not fit; it lists every problem.</exception>
    [RequiresUnreferencedCode(ScriptBinder.TrimMessage)]
    [RequiresDynamicCode(ScriptBinder.AotMessage)]
    public T Bind<T>() where T : class => ScriptBinder.Bind<T>(new ClientTarget(this));

    /// <summary>
    /// The commands defined with <see cref="CommandDefinition.Install"/> = <see langword="true"/>, as
    /// methods of a dynamic object: <c>await client.Commands.publish_to_group("topic", "hi")</c> runs
    /// the command with flat arguments and returns <c>Task&lt;RedisResult&gt;</c>. A command defined
    /// without <c>Install</c> raises <see cref="ScriptNotInstalledException"/>, an undefined one
    /// <see cref="UnknownScriptException"/>. Per client; nothing is added to any type. Needs the C#
    /// runtime binder (Microsoft.CSharp, in-box on .NET); not trim- or AOT-safe.
    /// </summary>
    public dynamic Commands
    {
        [RequiresDynamicCode(ScriptBinder.DynamicMessage)]
        get => new InstalledCommands(this);
    }
}
