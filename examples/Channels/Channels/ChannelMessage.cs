using System;
using System.Text;

namespace LuaScripts.Channels;

/// <summary>A message taken from a channel.</summary>
public sealed class ChannelMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="channel">The channel it was taken from.</param>
    /// <param name="payload">Its bytes.</param>
    /// <param name="sentAt">When it was sent, by the sender's clock (millisecond precision).</param>
    public ChannelMessage(string channel, byte[] payload, DateTimeOffset sentAt)
    {
        Channel = channel;
        Payload = payload;
        SentAt = sentAt;
    }

    /// <summary>The channel it was taken from.</summary>
    public string Channel { get; }

    /// <summary>Its bytes, as sent.</summary>
    public byte[] Payload { get; }

    /// <summary>When it was sent, by the sender's clock (millisecond precision).</summary>
    public DateTimeOffset SentAt { get; }

    /// <summary>The payload decoded as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString(Payload);

    /// <summary>The payload decoded as UTF-8.</summary>
    public override string ToString() => Text;
}
