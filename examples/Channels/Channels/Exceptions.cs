using System;

namespace LuaScripts.Channels;

/// <summary>
/// The base of every error the channel layer raises itself. Script and server failures are not
/// wrapped: they arrive as LuaScripts (<see cref="LuaScriptException"/>) or StackExchange.Redis raise them.
/// </summary>
public abstract class ChannelLayerException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    protected ChannelLayerException(string message) : base(message) { }
}

/// <summary>
/// A channel or topic name is not valid: empty, longer than <see cref="ChannelNames.MaxLength"/>
/// characters, or holding a character other than ASCII letters, digits and <c>. - _ :</c>.
/// Nothing was sent.
/// </summary>
public sealed class InvalidChannelNameException : ChannelLayerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">What the name is for: "channel", "topic" or "prefix".</param>
    /// <param name="name">The name given (may be null).</param>
    /// <param name="reason">What is wrong with it.</param>
    public InvalidChannelNameException(string kind, string? name, string reason)
        : base($"Invalid {kind} name {(name is null ? "(null)" : "'" + Shorten(name) + "'")}: {reason}")
    {
        Kind = kind;
        Name = name;
    }

    /// <summary>What the name is for: "channel", "topic" or "prefix".</summary>
    public string Kind { get; }

    /// <summary>The name given.</summary>
    public string? Name { get; }

    private static string Shorten(string name) => name.Length <= 120 ? name : name[..120] + "...";
}

/// <summary>A message is larger than the layer's limit (1 MiB by default). Nothing was sent.</summary>
public sealed class MessageTooLargeException : ChannelLayerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="size">The message's size in bytes (UTF-8 for text).</param>
    /// <param name="limit">The largest size allowed, in bytes.</param>
    public MessageTooLargeException(long size, long limit)
        : base($"The message is {size} bytes; the largest message allowed is {limit} bytes.")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>The message's size in bytes.</summary>
    public long Size { get; }

    /// <summary>The largest size allowed, in bytes.</summary>
    public long Limit { get; }
}

/// <summary>
/// A point-to-point send found the channel at its capacity. The message was not stored.
/// (A publish never raises this: it skips full members.)
/// </summary>
public sealed class ChannelFullException : ChannelLayerException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="channel">The full channel.</param>
    /// <param name="capacity">Its capacity.</param>
    public ChannelFullException(string channel, int capacity)
        : base($"The channel '{channel}' is full ({capacity} messages waiting); the message was not stored.")
    {
        Channel = channel;
        Capacity = capacity;
    }

    /// <summary>The full channel.</summary>
    public string Channel { get; }

    /// <summary>Its capacity.</summary>
    public int Capacity { get; }
}
