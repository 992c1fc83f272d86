using System;
using System.Collections.Generic;
using System.Linq;
using LuaScripts.Core;
using Microsoft.FSharp.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>Maps the core's error values to the facade's exceptions: the one place that does.</summary>
internal static class ExceptionFactory
{
    /// <summary>The core calls this to turn any failure of a call into the exception the caller sees.</summary>
    internal static readonly FSharpFunc<RunError, Exception> OnFailure =
        FuncConvert.FromFunc<RunError, Exception>(Run);

    /// <summary>
    /// The failure mapping of one client: a script's failure is placed in its source (file, line,
    /// include chain) through the client's registry; everything else as <see cref="OnFailure"/>.
    /// </summary>
    internal static FSharpFunc<RunError, Exception> For(Client core) =>
        FuncConvert.FromFunc<RunError, Exception>(error =>
            error is RunError.Execution { Item: ExecutionError.CommandFailed } e ? Located(e.Item, core) : Run(error));

    /// <summary>A script's failure, placed in its source when the client can place it.</summary>
    internal static Exception Located(ExecutionError error, Client core)
    {
        var source = ScriptSources.Locate(error, core);
        if (error is not ExecutionError.CommandFailed f || source is null) return ToException(error);
        var at = source.Value;
        var location = at.Location;
        var chain = location is null
            ? (IReadOnlyList<string>)Array.Empty<string>()
            : location.Value.IncludedFrom.Select(l => $"{l.File}:{l.Line}").ToList();
        // The core words it: "name: file:line (included from ...): detail" for a command from files,
        // "name: line N: detail" for one from a string.
        return new ScriptExecutionException(
            f.name, f.sha1, f.message, ErrorSourceModule.Describe(at),
            location?.Value.Source.File, location is null ? at.BodyLine : location.Value.Source.Line, chain,
            new RedisServerException(f.message));
    }

    internal static InvalidScriptDefinitionException Files(Microsoft.FSharp.Collections.FSharpList<ScriptFileError> errors)
    {
        var problems = errors.Select(ScriptFileErrorModule.Describe).ToList();
        var message = problems.Count == 1
            ? problems[0]
            : $"{problems.Count} problems with the script files: " + string.Join(" ", problems);
        return new InvalidScriptDefinitionException(null, message, ScriptFileErrorModule.File(errors.Head), problems);
    }

    internal static Exception ToException(ExecutionError error) => error switch
    {
        ExecutionError.CommandFailed f => new ScriptExecutionException(f.name, f.sha1, f.message, new RedisServerException(f.message)),
        ExecutionError.Refused r => new ScriptRefusedException(
            r.name, r.sha1, Reason(r.reason), ExecutionErrorModule.Describe(error), r.message, new RedisServerException(r.message)),
        ExecutionError.InvalidArguments a => Argument(a.command, a.error),
        ExecutionError.LibraryNotLoaded l => new FunctionLibraryLoadException(
            l.command, l.library, ExecutionErrorModule.Describe(error),
            l.failures.Select(f => new ScriptLoadFailure(f.EndPoint, f.Reason)).ToList()),
        _ => new PipelineExecutionException(
            ExecutionErrorModule.Describe(error),
            Array.Empty<StackExchange.Redis.RedisResult?>(),
            new[] { new PipelineFailure(0, ExecutionErrorModule.Subject(error), ExecutionErrorModule.Message(error)) }),
    };

    internal static RefusalReason Reason(Core.RefusalReason reason) => reason.Tag switch
    {
        Core.RefusalReason.Tags.Busy => RefusalReason.Busy,
        Core.RefusalReason.Tags.OutOfMemory => RefusalReason.OutOfMemory,
        Core.RefusalReason.Tags.ReadOnlyReplica => RefusalReason.ReadOnlyReplica,
        Core.RefusalReason.Tags.NoPermission => RefusalReason.NoPermission,
        Core.RefusalReason.Tags.Loading => RefusalReason.Loading,
        Core.RefusalReason.Tags.MasterDown => RefusalReason.MasterDown,
        _ => RefusalReason.Other,
    };

    internal static ScriptKillException Kill(IEnumerable<NodeFailure> failures)
    {
        var list = failures.Select(f => new ScriptKillFailure(f.EndPoint, f.Reason)).ToList();
        return new ScriptKillException(KillOutcomeModule.DescribeFailures(Microsoft.FSharp.Collections.ListModule.OfSeq(failures)), list);
    }

    internal static InvalidScriptDefinitionException Definition(string? name, DefinitionError error) =>
        new(name, DefinitionErrorModule.Describe(error));

    internal static ScriptArgumentException Argument(string name, ArgumentError error) =>
        error is ArgumentError.CrossSlot cross
            ? new CrossSlotException(name, ArgumentErrorModule.Describe(name, error), cross.slots.ToList())
            : new ScriptArgumentException(name, ArgumentErrorModule.Describe(name, error));

    internal static Exception Run(RunError error) => error switch
    {
        RunError.UnknownCommand u => new UnknownScriptException(u.name),
        RunError.InvalidArguments a => Argument(a.name, a.error),
        RunError.Execution e => ToException(e.Item),
        _ => throw new InvalidOperationException("unreachable"),
    };

    internal static ScriptLoadException Preload(PreloadError error) =>
        new(PreloadErrorModule.Describe(error), error.Loaded,
            error.Failures.Select(f => new ScriptLoadFailure(f.EndPoint, f.Reason)).ToList());

    internal static string PipelineMessage(IReadOnlyList<PipelineFailure> failures, bool transaction) =>
        Messages.PipelineFailed(transaction, failures.Select(f => (f.Index, f.Name, f.Message)).ToArray());
}
