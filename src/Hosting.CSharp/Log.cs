using System;
using Microsoft.Extensions.Logging;

namespace LuaScripts.Hosting;

/// <summary>
/// The hosting package's log events, category <c>LuaScripts.Hosting</c>. The ids are stable (2001 to
/// 2099 belong to this package; docs/hosting.md lists them): alerts may match on them.
/// </summary>
internal static partial class Log
{
    internal const string Category = "LuaScripts.Hosting";

    [LoggerMessage(EventId = 2001, EventName = "PreloadSucceeded", Level = LogLevel.Information,
        Message = "{Client} preloaded its commands at startup: {Loads} load(s) on the servers.")]
    internal static partial void PreloadSucceeded(ILogger logger, string client, int loads);

    [LoggerMessage(EventId = 2002, EventName = "PreloadFailed", Level = LogLevel.Error,
        Message = "{Client} could not preload its commands at startup; the host does not start: {Reason}")]
    internal static partial void PreloadFailed(ILogger logger, string client, string reason, Exception exception);

    [LoggerMessage(EventId = 2003, EventName = "PreloadFailedContinuing", Level = LogLevel.Error,
        Message = "{Client} could not preload its commands at startup; the host starts anyway (PreloadFailure is Log) and calls load what they need: {Reason}")]
    internal static partial void PreloadFailedContinuing(ILogger logger, string client, string reason, Exception exception);
}
