using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>One method of a bound interface: the command it runs and how its reply converts.</summary>
internal sealed class BoundMethod
{
    internal BoundMethod(MethodInfo method, string commandName, string displayName, IResultShape? shape,
        ArgumentKind[] kinds, string[] parameterNames, IReadOnlyList<string> problems)
    {
        Problems = problems;
        Method = method;
        CommandName = commandName;
        DisplayName = displayName;
        Shape = shape;
        Kinds = kinds;
        ParameterNames = parameterNames;
        MinArguments = kinds.Count(k => k == ArgumentKind.Single);
        Unbounded = kinds.Contains(ArgumentKind.Expanded);
    }

    internal MethodInfo Method { get; }

    /// <summary>What is wrong with the method whatever the client: its return and parameter types.</summary>
    internal IReadOnlyList<string> Problems { get; }

    internal string CommandName { get; }

    /// <summary><c>Interface.Method</c>, for messages.</summary>
    internal string DisplayName { get; }

    /// <summary>Null when the return type is not supported.</summary>
    internal IResultShape? Shape { get; }

    internal ArgumentKind[] Kinds { get; }

    internal string[] ParameterNames { get; }

    /// <summary>The number of flat arguments the method passes when its arrays are empty.</summary>
    internal int MinArguments { get; }

    /// <summary>Whether an array parameter can pass any number of flat arguments.</summary>
    internal bool Unbounded { get; }

    /// <summary>The flat arguments of one call (the parameter types were checked when binding).</summary>
    internal FlatArguments Flatten(object?[]? args)
    {
        args ??= Array.Empty<object?>();
        for (var i = 0; i < Kinds.Length; i++)
        {
            if (Kinds[i] == ArgumentKind.Expanded && args[i] is null)
                throw new ScriptArgumentException(CommandName, Messages.Binding.NullArray(DisplayName, ParameterNames[i]));
        }
        var flat = ArgumentValue.TryFlatten(args);
        if (flat.IsError) throw new ScriptArgumentException(CommandName, ArgumentValue.DescribeUnsupported(CommandName, flat.ErrorValue));
        return flat.ResultValue;
    }
}

/// <summary>What binding found out about an interface, whatever client it is bound to.</summary>
internal sealed class InterfacePlan
{
    internal InterfacePlan(Type type, IReadOnlyList<(BoundMethod? Method, string? Problem)> members)
    {
        Type = type;
        Members = members;
        ByMethod = members.Where(m => m.Method is not null).ToDictionary(m => m.Method!.Method, m => m.Method!);
    }

    internal Type Type { get; }

    /// <summary>
    /// In declaration order: each method that can be called, or a problem that does not depend on the
    /// client (not an interface, a property, a generic method...).
    /// </summary>
    internal IReadOnlyList<(BoundMethod? Method, string? Problem)> Members { get; }

    internal Dictionary<MethodInfo, BoundMethod> ByMethod { get; }
}

/// <summary>Where a bound method's call goes: run now on a client, or queued on a pipeline.</summary>
internal interface ICommandTarget
{
    Registry Registry { get; }

    string Where { get; }

    object Call(BoundMethod method, RedisValue[] args, CancellationToken cancellation);
}

internal sealed class ClientTarget : ICommandTarget
{
    private readonly ScriptClient client;

    internal ClientTarget(ScriptClient client) => this.client = client;

    public Registry Registry => client.Core.Registry;

    public string Where => Messages.Binding.OnClient;

    public object Call(BoundMethod method, RedisValue[] args, CancellationToken cancellation)
    {
        var reply = client.RunScriptAsync(method.CommandName, args, cancellation);
        return method.Shape!.Adapt(reply, method);
    }
}

internal sealed class PipelineTarget : ICommandTarget
{
    private readonly ScriptPipeline pipeline;

    internal PipelineTarget(ScriptPipeline pipeline) => this.pipeline = pipeline;

    public Registry Registry => pipeline.Client.Core.Registry;

    public string Where => Messages.Binding.OnPipelineClient(pipeline.IsTransaction);

    public object Call(BoundMethod method, RedisValue[] args, CancellationToken cancellation)
    {
        pipeline.RunScript(method.CommandName, args);
        var pending = method.Shape!.Pend(method);
        pipeline.Pending.Add(pipeline.Count - 1, pending);
        return pending.Task;
    }
}

/// <summary>
/// The object a bound interface is: each call runs (or queues) the method's command, looked up by
/// name at call time, so a redefinition is seen by bindings made before it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1852:Seal internal types",
    Justification = "DispatchProxy.Create derives a type from it at run time, which a sealed class refuses.")]
internal class ScriptProxy : DispatchProxy
{
    private InterfacePlan? plan;
    private ICommandTarget? target;

    /// <summary>Made by <see cref="DispatchProxy"/> only.</summary>
    public ScriptProxy() { }

    internal void Initialize(InterfacePlan plan, ICommandTarget target)
    {
        this.plan = plan;
        this.target = target;
    }

    /// <summary>Runs or queues the command of the called method.</summary>
    /// <param name="targetMethod">The interface method called.</param>
    /// <param name="args">Its arguments.</param>
    /// <returns>The method's task.</returns>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (plan is null || target is null || targetMethod is null || !plan.ByMethod.TryGetValue(targetMethod, out var method))
            throw new NotSupportedException(Messages.Binding.NotBound(targetMethod?.Name ?? ""));
        var flat = method.Flatten(args);
        return target.Call(method, flat.Values, flat.Cancellation);
    }

    /// <inheritdoc />
    public override string ToString() => $"{plan?.Type.Name} bound to {target?.Where}";
}

/// <summary>Builds and checks bindings of interfaces to script commands.</summary>
internal static class ScriptBinder
{
    /// <summary>The trimming warning of <c>Bind&lt;T&gt;()</c>.</summary>
    internal const string TrimMessage =
        "Bind<T>() reads the interface's methods by reflection and builds its implementation with "
        + "System.Reflection.DispatchProxy; trimming may remove members it needs. Run commands by name "
        + "(RunScriptAsync, ScriptPipeline.RunScript) in trimmed applications.";

    /// <summary>The Native AOT warning of <c>Bind&lt;T&gt;()</c>.</summary>
    internal const string AotMessage =
        "Bind<T>() builds the interface's implementation with System.Reflection.DispatchProxy, which "
        + "generates code at run time and is not supported under Native AOT. Run commands by name "
        + "(RunScriptAsync, ScriptPipeline.RunScript) in AOT applications.";

    /// <summary>The Native AOT warning of <c>ScriptClient.Commands</c>.</summary>
    internal const string DynamicMessage =
        "Commands is a dynamic object: calling it goes through the C# runtime binder, which generates code at run "
        + "time and is not supported under Native AOT. Run commands by name (RunScriptAsync) in AOT applications.";

    private static readonly ConditionalWeakTable<Type, InterfacePlan> Plans = new();

    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(TrimMessage)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(AotMessage)]
    internal static T Bind<T>(ICommandTarget target) where T : class
    {
        var plan = Plans.GetValue(typeof(T), Analyze);
        var problems = new List<string>();
        var registry = target.Registry;
        foreach (var (method, problem) in plan.Members)
        {
            if (method is null)
            {
                problems.Add(problem!);
                continue;
            }
            problems.AddRange(method.Problems);
            CheckCommand(registry, target.Where, method.DisplayName, method.CommandName, method.MinArguments, method.Unbounded, problems);
        }
        if (problems.Count > 0) throw new ScriptBindingException(typeof(T), problems);
        var proxy = DispatchProxy.Create<T, ScriptProxy>();
        ((ScriptProxy)(object)proxy).Initialize(plan, target);
        return proxy;
    }

    /// <summary>
    /// What is wrong with one method's command on a client, added to <paramref name="problems"/>: not
    /// defined there, fewer arguments than its fixed key count, or none to give a dynamic key count.
    /// Checked by <c>Bind&lt;T&gt;()</c> and by the <c>Create</c> of generated bindings alike.
    /// </summary>
    internal static void CheckCommand(Registry registry, string where, string display, string command, int minArguments,
        bool unbounded, List<string> problems)
    {
        if (!registry.TryGetValue(command, out var script))
        {
            problems.Add(Messages.Binding.CommandNotDefined(display, command, where));
            return;
        }
        if (script.KeyCount is KeyCount.Fixed fixedKeys)
        {
            if (!unbounded && minArguments < fixedKeys.Item)
                problems.Add(Messages.Binding.TooFewParameters(display, command, fixedKeys.Item, minArguments));
        }
        else if (!unbounded && minArguments == 0)
        {
            problems.Add(Messages.Binding.NoKeyCount(display, command));
        }
    }

    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(TrimMessage)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(AotMessage)]
    private static InterfacePlan Analyze(Type type)
    {
        var members = new List<(BoundMethod?, string?)>();
        void Problem(string problem) => members.Add((null, problem));
        if (!type.IsInterface)
        {
            Problem(Messages.Binding.NotAnInterface(Results.DisplayName(type)));
            return new InterfacePlan(type, members);
        }
        foreach (var declaring in new[] { type }.Concat(type.GetInterfaces()))
        {
            foreach (var method in declaring.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var display = $"{declaring.Name}.{method.Name}";
                if (method.IsStatic)
                {
                    if (method.IsAbstract) Problem(Messages.Binding.StaticAbstractMember(display));
                    continue;
                }
                if (method.IsSpecialName)
                {
                    Problem(Messages.Binding.PropertyOrEvent(display));
                    continue;
                }
                if (!method.IsAbstract)
                {
                    Problem(Messages.Binding.DefaultBody(display));
                    continue;
                }
                if (method.IsGenericMethodDefinition)
                {
                    Problem(Messages.Binding.GenericMethod(display));
                    continue;
                }
                var attribute = method.GetCustomAttribute<ScriptCommandAttribute>(inherit: false);
                if (attribute is not null && string.IsNullOrWhiteSpace(attribute.Name))
                {
                    Problem(Messages.Binding.AttributeWithoutName(display));
                    continue;
                }
                var command = attribute?.Name ?? Naming.CommandOfMethod(method.Name);
                var problems = new List<string>();
                var shape = Results.ShapeOf(method.ReturnType, display, problems);
                var parameters = method.GetParameters();
                var kinds = new ArgumentKind[parameters.Length];
                for (var i = 0; i < parameters.Length; i++)
                {
                    var parameter = parameters[i];
                    kinds[i] = parameter.ParameterType.IsByRef ? ArgumentKind.Unsupported : ArgumentValue.KindOf(parameter.ParameterType);
                    if (parameter.ParameterType.IsByRef)
                        problems.Add(Messages.Binding.ByRefParameter(display, parameter.Name ?? "?"));
                    else if (kinds[i] == ArgumentKind.Unsupported)
                        problems.Add(Messages.Binding.UnsupportedParameter(display, parameter.Name ?? "?",
                            Results.DisplayName(parameter.ParameterType)));
                }
                members.Add((new BoundMethod(method, command, display, shape, kinds,
                    parameters.Select(p => p.Name ?? "?").ToArray(), problems), null));
            }
        }
        return new InterfacePlan(type, members);
    }
}
