using System;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace LuaScripts.Hosting;

/// <summary>
/// Adds commands and bound interfaces to a <see cref="ScriptClient"/> registered with <c>AddLuaScripts</c>
/// or <c>AddKeyedLuaScripts</c>. The client is created on first use with everything added here, whatever
/// the order of the calls. Not thread-safe: use it while the services are configured.
/// </summary>
public sealed class LuaScriptsBuilder
{
    internal const string BindTrimMessage =
        "A bound interface is implemented with System.Reflection.DispatchProxy, which reads the interface by reflection; trimming may remove what it reads. Run commands by name where code is trimmed.";

    internal const string BindAotMessage =
        "A bound interface is implemented with System.Reflection.DispatchProxy, which emits code at run time; Native AOT cannot. Run commands by name there.";

    private readonly ClientRegistration registration;

    internal LuaScriptsBuilder(IServiceCollection services, ClientRegistration registration)
    {
        Services = services;
        this.registration = registration;
    }

    /// <summary>The services the client is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The client's service key; <see langword="null"/> for the client registered with <c>AddLuaScripts</c>.</summary>
    public object? ServiceKey => registration.ServiceKey;

    /// <summary>
    /// Defines a named command on the client when it is created (see <see cref="ScriptClient.DefineCommand"/>);
    /// a later definition under the same name replaces an earlier one.
    /// </summary>
    /// <param name="name">The command's name: not empty, no control characters. Case-sensitive.</param>
    /// <param name="definition">The Lua body and key count.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is null.</exception>
    /// <remarks>A definition the core refuses (e.g. a bad key count) raises <see cref="InvalidScriptDefinitionException"/> when the client is created, which the host does at startup.</remarks>
    public LuaScriptsBuilder AddCommand(string name, CommandDefinition definition)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(definition);
        registration.AddCommand(name, definition);
        return this;
    }

    /// <summary>
    /// Defines the commands of a directory's <c>.lua</c> files when the client is created (see
    /// <see cref="ScriptClient.DefineCommandsFromDirectory(string)"/>), after those of <see cref="AddCommand"/>.
    /// A relative path is taken from the host's content root. With <paramref name="watch"/>, the directory
    /// is watched for the host's lifetime (see <see cref="ScriptClient.WatchCommandsDirectory(string)"/>): an
    /// edited file's command runs its new body on the next call, without a restart; meant for development.
    /// The watch stops when the host is disposed.
    /// </summary>
    /// <param name="path">The directory.</param>
    /// <param name="watch">Whether to define the commands again when the files change.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <remarks>
    /// Files that do not define (a missing directory, a bad header, a missing include...) raise
    /// <see cref="InvalidScriptDefinitionException"/> naming every file at fault when the client is
    /// created, which the host does at startup: the host does not start.
    /// </remarks>
    public LuaScriptsBuilder AddCommandsFromDirectory(string path, bool watch = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        registration.AddSource(new ScriptSource.Directory(path, watch));
        return this;
    }

    /// <summary>
    /// Defines the commands of an assembly's embedded <c>.lua</c> resources under a prefix when the client
    /// is created (see <see cref="ScriptClient.DefineCommandsFromAssembly"/>), after those of
    /// <see cref="AddCommand"/>. Files that do not define stop the start with
    /// <see cref="InvalidScriptDefinitionException"/>, naming every file at fault.
    /// </summary>
    /// <param name="assembly">The assembly holding the scripts (e.g. <c>typeof(Program).Assembly</c>).</param>
    /// <param name="prefix">The start of the resource names to read (such as <c>MyApp.Scripts.</c>); empty for all.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="assembly"/> or <paramref name="prefix"/> is null.</exception>
    public LuaScriptsBuilder AddCommandsFromAssembly(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(prefix);
        registration.AddSource(new ScriptSource.Embedded(assembly, prefix));
        return this;
    }

    /// <summary>
    /// Runs an action on the client when it is created, after the commands of <see cref="AddCommand"/> are
    /// defined (and those of the script files) and before anything uses it (so before <see cref="LuaScriptsOptions.PreloadOnStart"/>
    /// preloads): the place for a library built on LuaScripts to define its own commands.
    /// </summary>
    /// <param name="configure">Called once, with the new client.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    public LuaScriptsBuilder ConfigureClient(Action<ScriptClient> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        registration.AddConfiguration(configure);
        return this;
    }

    /// <summary>
    /// Registers <typeparamref name="T"/> as a singleton implemented by <see cref="ScriptClient.Bind{T}"/> on
    /// this client (keyed by <see cref="ServiceKey"/> for a keyed client), so that it can be injected. The
    /// interface is bound when the host starts: a method that does not fit stops the start with the
    /// <see cref="ScriptBindingException"/> that lists every problem.
    /// </summary>
    /// <typeparam name="T">An interface whose methods each return <c>Task</c> or <c>Task&lt;T&gt;</c>.</typeparam>
    /// <returns>This builder.</returns>
    [RequiresUnreferencedCode(BindTrimMessage)]
    [RequiresDynamicCode(BindAotMessage)]
    public LuaScriptsBuilder AddScriptInterface<T>() where T : class
    {
        var key = registration.ServiceKey;
        if (key is null) Services.AddSingleton(sp => sp.GetRequiredService<ScriptClient>().Bind<T>());
        else Services.AddKeyedSingleton(key, (sp, _) => sp.GetRequiredKeyedService<ScriptClient>(key).Bind<T>());
        registration.AddInterface(typeof(T));
        return this;
    }
}
