using System;

namespace LuaScripts.Channels;

/// <summary>Settings of a <see cref="ChannelLayer"/>. Immutable once built; safe to share.</summary>
public sealed class ChannelLayerOptions
{
    /// <summary>
    /// The key prefix, also the hash tag of every key: keys are <c>{prefix}:q:&lt;channel&gt;</c> and
    /// <c>{prefix}:g:&lt;topic&gt;</c>, so all of a layer's keys live in one Redis Cluster slot.
    /// Same character rules as channel names. Default "channels".
    /// </summary>
    public string Prefix { get; init; } = "channels";

    /// <summary>How many messages a channel holds before it is full. Default 100.</summary>
    public int Capacity { get; init; } = 100;

    /// <summary>How long a message lives: one whose age has reached this is dropped unread. Default 60 s.</summary>
    public TimeSpan MessageExpiry { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a group membership lives unless renewed by subscribing again. Default 86,400 s (one day).</summary>
    public TimeSpan GroupExpiry { get; init; } = TimeSpan.FromSeconds(86_400);

    /// <summary>The largest message accepted, in bytes (text is counted in UTF-8). Default 1 MiB.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The clock that stamps messages and memberships; the scripts judge expiry by the time passed
    /// to them, never by the server's clock. Default <see cref="DateTimeOffset.UtcNow"/>. Every
    /// process sharing a layer should use a synchronised clock.
    /// </summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>
    /// The longest pause between two polls of <see cref="ChannelLayer.ReceiveAsync"/>: it polls at
    /// once, then after 1 ms, 2 ms, 4 ms... up to this. Default 50 ms.
    /// </summary>
    public TimeSpan MaxPollDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How many times <see cref="ChannelLayer.PublishAsync(string, string, string?, System.Threading.CancellationToken)"/>
    /// re-reads the membership when members joined between its read and its script call, before it
    /// settles for delivering to the members it knows. Default 5.
    /// </summary>
    public int PublishAttempts { get; init; } = 5;

    internal void Validate()
    {
        ChannelNames.Check("prefix", Prefix);
        if (Capacity < 1) throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, "The capacity must be at least 1.");
        if (MessageExpiry < TimeSpan.FromMilliseconds(1))
            throw new ArgumentOutOfRangeException(nameof(MessageExpiry), MessageExpiry, "The message expiry must be at least 1 ms.");
        if (GroupExpiry < TimeSpan.FromMilliseconds(1))
            throw new ArgumentOutOfRangeException(nameof(GroupExpiry), GroupExpiry, "The group expiry must be at least 1 ms.");
        if (MaxMessageBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxMessageBytes), MaxMessageBytes, "The message limit must be at least 1 byte.");
        if (MaxPollDelay < TimeSpan.FromMilliseconds(1))
            throw new ArgumentOutOfRangeException(nameof(MaxPollDelay), MaxPollDelay, "The poll delay must be at least 1 ms.");
        if (PublishAttempts < 1) throw new ArgumentOutOfRangeException(nameof(PublishAttempts), PublishAttempts, "At least one attempt is needed.");
        ArgumentNullException.ThrowIfNull(Clock, nameof(Clock));
    }
}
