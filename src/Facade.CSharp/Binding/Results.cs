using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>How a bound method turns a script's reply into its return type.</summary>
internal interface IResultShape
{
    /// <summary>The task the method returns, built over the reply's task.</summary>
    Task Adapt(Task<RedisResult> reply, BoundMethod method);

    /// <summary>A task completed later, when a pipeline's reply for the method's position arrives.</summary>
    IPendingReply Pend(BoundMethod method);
}

/// <summary>One queued call's typed task, completed when its pipeline is executed.</summary>
internal interface IPendingReply
{
    Task Task { get; }

    void Complete(RedisResult reply);

    void Fail(Exception error);

    void Cancel(CancellationToken token);
}

/// <summary>A conversion of a reply (or a part of it) to a target type; throws <see cref="ScriptResultConversionException"/>.</summary>
internal delegate T ReplyConversion<out T>(RedisResult reply, in ScriptReplyContext context);

/// <summary>A return type of a bound method and its conversion from <see cref="RedisResult"/>.</summary>
internal sealed class ResultShape<T> : IResultShape
{
    private readonly ReplyConversion<T> convert;

    /// <param name="convert">The conversion (made of <see cref="ScriptReplies"/>'s).</param>
    internal ResultShape(ReplyConversion<T> convert) => this.convert = convert;

    internal T Convert(RedisResult reply, BoundMethod method) =>
        convert(reply, new ScriptReplyContext(method.CommandName, method.DisplayName));

    public Task Adapt(Task<RedisResult> reply, BoundMethod method) =>
        typeof(T) == typeof(RedisResult) ? reply : AdaptAsync(reply, method);

    private async Task<T> AdaptAsync(Task<RedisResult> reply, BoundMethod method) =>
        Convert(await reply.ConfigureAwait(false), method);

    public IPendingReply Pend(BoundMethod method) => new Pending(this, method);

    private sealed class Pending : IPendingReply
    {
        private readonly ResultShape<T> shape;
        private readonly BoundMethod method;
        private readonly TaskCompletionSource<T> source = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Pending(ResultShape<T> shape, BoundMethod method)
        {
            this.shape = shape;
            this.method = method;
        }

        public Task Task => source.Task;

        public void Complete(RedisResult reply)
        {
            T value;
            try
            {
                value = shape.Convert(reply, method);
            }
            catch (Exception e)
            {
                source.TrySetException(e);
                return;
            }
            source.TrySetResult(value);
        }

        public void Fail(Exception error) => source.TrySetException(error);

        public void Cancel(CancellationToken token) => source.TrySetCanceled(token);
    }
}

/// <summary>The return types a bound method may declare, and their names in errors.</summary>
internal static class Results
{
    /// <summary>The shape of a method returning a plain <see cref="Task"/>: the reply is not converted.</summary>
    internal static readonly IResultShape Untyped = Leaves.Table[typeof(RedisResult)].Shape();

    private static readonly Dictionary<Type, IResultShape> Shapes = CreateShapes();

    private static Dictionary<Type, IResultShape> CreateShapes()
    {
        var shapes = new Dictionary<Type, IResultShape>();
        foreach (var (type, leaf) in Leaves.Table) shapes[type] = type == typeof(RedisResult) ? Untyped : leaf.Shape();
        return shapes;
    }

    /// <summary>The types a bound method may return inside <c>Task&lt;T&gt;</c>, for error messages.</summary>
    internal const string Supported =
        "Task, or Task<T> of RedisResult, long, int, double, bool, long?, int?, double?, bool?, string, byte[], "
        + "RedisValue, RedisKey, string[], long[], RedisValue[], RedisKey[] or RedisResult[], or of a record, class or "
        + "struct, a ValueTuple, a List<T>, T[] or Dictionary<string, T> of any of these, or their nullable forms";

    /// <summary>
    /// The shape of a method's return type, or null when it is not supported: then
    /// <paramref name="problems"/> says why (one line each, naming the method).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(ScriptBinder.TrimMessage)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(ScriptBinder.AotMessage)]
    internal static IResultShape? ShapeOf(Type returnType, string method, List<string> problems)
    {
        if (returnType == typeof(Task)) return Untyped;
        if (!returnType.IsGenericType || returnType.GetGenericTypeDefinition() != typeof(Task<>))
        {
            problems.Add(Messages.Binding.UnsupportedReturn(method, DisplayName(returnType), Supported));
            return null;
        }
        var type = returnType.GetGenericArguments()[0];
        if (Shapes.TryGetValue(type, out var shape)) return shape;
        return ReplyConverters.ShapeOf(type, method, DisplayName(returnType), problems);
    }

    /// <summary>A type's name as C# writes it, for error messages.</summary>
    internal static string DisplayName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner) return DisplayName(inner) + "?";
        if (type.IsArray) return DisplayName(type.GetElementType()!) + "[]";
        if (type.IsGenericType)
        {
            var name = type.Name;
            var tick = name.IndexOf('`');
            var args = string.Join(", ", Array.ConvertAll(type.GetGenericArguments(), DisplayName));
            return $"{(tick < 0 ? name : name[..tick])}<{args}>";
        }
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int64 => "long",
            TypeCode.Int32 => "int",
            TypeCode.Double => "double",
            TypeCode.Boolean => "bool",
            TypeCode.String => "string",
            TypeCode.Byte => "byte",
            _ => type == typeof(void) ? "void" : type == typeof(object) ? "object" : type.Name,
        };
    }
}
