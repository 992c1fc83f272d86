using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LuaScripts.Chaos;

/// <summary>An error reply from the server.</summary>
public sealed record RespError(string Message)
{
    public override string ToString() => "-" + Message;
}

/// <summary>
/// The fault injector's own connection to one server: plain RESP over one TCP socket, independent
/// of StackExchange.Redis (so that killing the library's connections never touches it, and
/// CLIENT KILL sent over it skips it). Reconnects on the next call after a failure. Thread-safe
/// (calls are serialized).
/// </summary>
public sealed class RespConnection : IDisposable
{
    private readonly object gate = new();
    private TcpClient? tcp;
    private BufferedStream? stream;

    public RespConnection(int port) => Port = port;

    public int Port { get; }

    /// <summary>
    /// Sends one command and reads its reply: a string (simple or bulk), a long, null, an
    /// object?[] (array) or a <see cref="RespError"/>. Throws IOException/SocketException when the
    /// server cannot be reached.
    /// </summary>
    public object? Call(params string[] args)
    {
        lock (gate)
        {
            try
            {
                var s = Ensure();
                var request = new StringBuilder();
                request.Append('*').Append(args.Length).Append("\r\n");
                foreach (var a in args)
                {
                    var n = Encoding.UTF8.GetByteCount(a);
                    request.Append('$').Append(n).Append("\r\n").Append(a).Append("\r\n");
                }
                s.Write(Encoding.UTF8.GetBytes(request.ToString()));
                s.Flush();
                return Read(s);
            }
            catch
            {
                Drop();
                throw;
            }
        }
    }

    /// <summary>Like <see cref="Call"/>, but an unreachable server or an error reply is returned as null.</summary>
    public object? TryCall(params string[] args)
    {
        try
        {
            var reply = Call(args);
            return reply is RespError ? null : reply;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>A command whose reply must not be an error.</summary>
    public object? Must(params string[] args)
    {
        var reply = Call(args);
        if (reply is RespError e) throw new InvalidOperationException($"{string.Join(' ', args)} on port {Port}: {e.Message}");
        return reply;
    }

    private BufferedStream Ensure()
    {
        if (stream is not null) return stream;
        var client = new TcpClient { NoDelay = true, ReceiveTimeout = 10_000, SendTimeout = 5_000 };
        try
        {
            var connect = client.ConnectAsync(IPAddress.Loopback, Port);
            if (!connect.Wait(1000)) throw new SocketException((int)SocketError.TimedOut);
        }
        catch (AggregateException e) when (e.InnerException is SocketException inner)
        {
            client.Dispose();
            throw inner;
        }
        catch
        {
            client.Dispose();
            throw;
        }
        tcp = client;
        stream = new BufferedStream(client.GetStream(), 64 * 1024);
        return stream;
    }

    private void Drop()
    {
        try { stream?.Dispose(); } catch (IOException) { }
        tcp?.Dispose();
        stream = null;
        tcp = null;
    }

    private static object? Read(Stream s)
    {
        var line = ReadLine(s);
        if (line.Length == 0) throw new InvalidDataException("empty RESP line");
        var rest = line[1..];
        switch (line[0])
        {
            case '+': return rest;
            case '-': return new RespError(rest);
            case ':': return long.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
            case '$':
            {
                var n = int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
                if (n < 0) return null;
                var buffer = new byte[n + 2];
                var read = 0;
                while (read < buffer.Length)
                {
                    var got = s.Read(buffer, read, buffer.Length - read);
                    if (got == 0) throw new IOException("connection closed");
                    read += got;
                }
                return Encoding.UTF8.GetString(buffer, 0, n);
            }
            case '*':
            {
                var n = int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
                if (n < 0) return null;
                var items = new object?[n];
                for (var i = 0; i < n; i++) items[i] = Read(s);
                return items;
            }
            default: throw new InvalidDataException("unexpected RESP line: " + line);
        }
    }

    private static string ReadLine(Stream s)
    {
        var bytes = new List<byte>(64);
        while (true)
        {
            var b = s.ReadByte();
            if (b < 0) throw new IOException("connection closed");
            if (b == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
            {
                bytes.RemoveAt(bytes.Count - 1);
                return Encoding.UTF8.GetString(bytes.ToArray());
            }
            bytes.Add((byte)b);
        }
    }

    public void Dispose()
    {
        lock (gate) Drop();
    }
}

/// <summary>
/// What one server did since it started: NOSCRIPT replies it sent, EVAL and EVALSHA calls it ran and,
/// for the Functions backend, FCALL/FCALL_RO calls and FUNCTION LOAD calls (all of them, and those
/// that loaded a library: the others are guards answered "Library already exists").
/// </summary>
public readonly record struct ScriptCounters(long NoScript, long Eval, long EvalSha, long FCall = 0, long FunctionLoads = 0, long LibrariesLoaded = 0)
{
    public static ScriptCounters operator +(ScriptCounters a, ScriptCounters b) =>
        new(a.NoScript + b.NoScript, a.Eval + b.Eval, a.EvalSha + b.EvalSha, a.FCall + b.FCall,
            a.FunctionLoads + b.FunctionLoads, a.LibrariesLoaded + b.LibrariesLoaded);

    /// <summary>Reads INFO errorstats and INFO commandstats (zeros when the server cannot be reached).</summary>
    public static ScriptCounters Read(RespConnection server)
    {
        var errors = server.TryCall("INFO", "errorstats") as string ?? "";
        var commands = server.TryCall("INFO", "commandstats") as string ?? "";
        var loads = Stat(commands, "cmdstat_function|load:calls=");
        return new ScriptCounters(Stat(errors, "errorstat_NOSCRIPT:count="), Stat(commands, "cmdstat_eval:calls="), Stat(commands, "cmdstat_evalsha:calls="),
            Stat(commands, "cmdstat_fcall:calls=") + Stat(commands, "cmdstat_fcall_ro:calls="),
            loads, loads - Field(commands, "cmdstat_function|load:", "failed_calls="));
    }

    private static long Stat(string info, string prefix)
    {
        var at = info.IndexOf(prefix, StringComparison.Ordinal);
        if (at < 0) return 0;
        var digits = info[(at + prefix.Length)..].TakeWhile(char.IsDigit).ToArray();
        return long.Parse(new string(digits), System.Globalization.CultureInfo.InvariantCulture);
    }

    // One field of one command's line, e.g. failed_calls= of cmdstat_function|load: (0 when absent).
    private static long Field(string info, string line, string field)
    {
        var at = info.IndexOf(line, StringComparison.Ordinal);
        if (at < 0) return 0;
        var end = info.IndexOf('\n', at);
        return Stat(end < 0 ? info[at..] : info[at..end], field);
    }

    public override string ToString() =>
        $"servers answered NOSCRIPT {NoScript}× (healed), ran EVAL {Eval}×, EVALSHA {EvalSha}×"
        + (LuaScripts.TestServers.TestBackend.IsFunctions
            ? $", FCALL/FCALL_RO {FCall}×, FUNCTION LOAD {FunctionLoads}× of which {LibrariesLoaded} loaded a library (the rest: guards answered 'already exists')"
            : "");
}
