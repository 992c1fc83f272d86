using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LuaScripts.TestServers;

/// <summary>
/// A redis-server process the tests own: started on a free loopback port with no persistence by
/// default, stopped by PID. A missing redis-server is a loud failure, never a skip.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly string[] extraArgs;
    private Process? process;

    private RedisServer(int port, string dir, string[] extraArgs)
    {
        Port = port;
        Directory = dir;
        this.extraArgs = extraArgs;
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>The server's working directory (AOF/RDB files, log).</summary>
    public string Directory { get; }

    /// <summary>"127.0.0.1:port".</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>The PID of the running process, or null when stopped.</summary>
    public int? Pid => process is { HasExited: false } p ? p.Id : null;

    /// <summary>Starts a server on a free port. <paramref name="extraArgs"/> are appended to the command line.</summary>
    public static RedisServer Start(params string[] extraArgs)
    {
        var dir = Path.Combine(Path.GetTempPath(), "luascripts-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var server = new RedisServer(FreePort(), dir, extraArgs);
        server.Launch();
        return server;
    }

    /// <summary>A TCP port nobody listens on right now.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string RedisServerPath()
    {
        foreach (var candidate in new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" })
            if (File.Exists(candidate)) return candidate;
        throw new InvalidOperationException(
            "redis-server was not found. The test suites need a real Redis: install it with " +
            "'apt-get install -y redis-server redis-tools' (or run ./build.sh test, which does).");
    }

    private void Launch()
    {
        var args = new List<string>
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory,
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
            "--logfile", Path.Combine(Directory, "redis.log"),
        };
        args.AddRange(extraArgs);
        var info = new ProcessStartInfo(RedisServerPath()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        WaitUntilAnswering(TimeSpan.FromSeconds(15));
    }

    private void WaitUntilAnswering(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (process!.HasExited)
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode} on port {Port}: {Log()}");
            try
            {
                if (Send("PING").StartsWith("+PONG", StringComparison.Ordinal)) return;
            }
            catch (SocketException) { }
            catch (IOException) { }
            Thread.Sleep(20);
        }
        throw new TimeoutException($"redis-server on port {Port} did not answer PING within {limit}: {Log()}");
    }

    /// <summary>The tail of the server's log.</summary>
    public string Log()
    {
        var path = Path.Combine(Directory, "redis.log");
        if (!File.Exists(path)) return "(no log)";
        var text = File.ReadAllText(path);
        return text.Length > 2000 ? text[^2000..] : text;
    }

    /// <summary>Sends one inline command over a fresh socket and returns the raw first reply line(s).</summary>
    public string Send(string inlineCommand)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Port);
        client.ReceiveTimeout = 5000;
        var stream = client.GetStream();
        var bytes = Encoding.UTF8.GetBytes(inlineCommand + "\r\n");
        stream.Write(bytes);
        var buffer = new byte[65536];
        var read = stream.Read(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>Kills the process (SIGKILL) and waits for it to be gone.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>Kills the process and starts a new one on the same port with the same arguments.</summary>
    public void Restart()
    {
        Kill();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                Launch();
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100); // the port may still be in TIME_WAIT for a moment
            }
        }
    }

    /// <summary>Stops the process by PID and removes its directory.</summary>
    public void Dispose()
    {
        Kill();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
