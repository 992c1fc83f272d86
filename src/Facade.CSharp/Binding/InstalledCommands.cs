using System.Collections.Generic;
using System.Dynamic;
using System.Linq;
using LuaScripts.Core;

namespace LuaScripts;

/// <summary>
/// The dynamic view of <see cref="ScriptClient.Commands"/>: a call <c>Commands.name(args)</c> runs
/// the command <c>name</c> if it was defined with <c>Install = true</c>, with the arguments flattened
/// as <see cref="ScriptClient.RunScriptAsync(string, StackExchange.Redis.RedisValue[])"/> takes them.
/// <c>Commands.name</c> without a call is a <c>Func&lt;object?[], Task&lt;RedisResult&gt;&gt;</c> running it.
/// Looks the name up at every call; adds nothing to any type.
/// </summary>
internal sealed class InstalledCommands : DynamicObject
{
    private readonly ScriptClient client;

    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(ScriptBinder.DynamicMessage)]
    internal InstalledCommands(ScriptClient client) => this.client = client;

    public override bool TryInvokeMember(InvokeMemberBinder binder, object?[]? args, out object? result)
    {
        result = Run(binder.Name, args);
        return true;
    }

    /// <summary><c>Commands.name</c> without a call: a delegate that runs the command with its arguments.</summary>
    public override bool TryGetMember(GetMemberBinder binder, out object? result)
    {
        var name = binder.Name;
        Check(name);
        result = new System.Func<object?[], System.Threading.Tasks.Task<StackExchange.Redis.RedisResult>>(args => Run(name, args));
        return true;
    }

    private void Check(string name)
    {
        if (!client.Core.Registry.TryGetValue(name, out var script)) throw new UnknownScriptException(name);
        if (!script.Install) throw new ScriptNotInstalledException(name);
    }

    private System.Threading.Tasks.Task<StackExchange.Redis.RedisResult> Run(string name, object?[]? args)
    {
        Check(name);
        var flat = ArgumentValue.TryFlatten(args ?? System.Array.Empty<object?>());
        if (flat.IsError) throw new ScriptArgumentException(name, ArgumentValue.DescribeUnsupported(name, flat.ErrorValue));
        var reply = client.RunScriptAsync(name, flat.ResultValue.Values);
        var cancellation = flat.ResultValue.Cancellation;
        return cancellation.CanBeCanceled ? reply.WaitAsync(cancellation) : reply;
    }

    public override IEnumerable<string> GetDynamicMemberNames() =>
        RegistryModule.Scripts(client.Core.Registry).Where(s => s.Install).Select(s => s.Name).ToList();

    public override string ToString() => "Installed script commands: " + string.Join(", ", GetDynamicMemberNames());
}
