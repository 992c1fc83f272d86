using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LuaScripts.Channels.Demo;

/// <summary>
/// A redis-server the demo starts for itself on a free loopback port, with no persistence, and
/// kills (by its own PID) when disposed.
/// </summary>
internal sealed class ThrowawayRedis : IDisposable
{
    private readonly Process process;
    private readonly string directory;

    private ThrowawayRedis(Process process, int port, string directory)
    {
        this.process = process;
        this.directory = directory;
        Port = port;
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port".</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server (from /usr/bin, /usr/local/bin or PATH) and waits until it answers PING.</summary>
    public static ThrowawayRedis Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var directory = Path.Combine(Path.GetTempPath(), "luascripts-channels-demo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var info = new ProcessStartInfo(FindServer()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", directory, "--daemonize", "no", "--protected-mode", "no", "--logfile", Path.Combine(directory, "redis.log") })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ThrowawayRedis(process, port, directory);
        try
        {
            server.WaitForPing(TimeSpan.FromSeconds(15));
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    private static string FindServer()
    {
        var candidates = new List<string> { "/usr/bin/redis-server", "/usr/local/bin/redis-server" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            candidates.Add(Path.Combine(dir, "redis-server"));
        return candidates.FirstOrDefault(File.Exists)
               ?? throw new InvalidOperationException("redis-server was not found: install it, or set REDIS_URL to a running server.");
    }

    private void WaitForPing(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"redis-server exited with code {process.ExitCode}.");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                stream.Write("PING\r\n"u8);
                var buffer = new byte[64];
                var read = stream.Read(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal)) return;
            }
            catch (SocketException) { }
            catch (IOException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"redis-server on port {Port} did not answer PING in time.");
            Thread.Sleep(20);
        }
    }

    /// <summary>Kills the server and removes its directory.</summary>
    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
        process.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
