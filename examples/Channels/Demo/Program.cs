using System.Globalization;
using LuaScripts;
using LuaScripts.Channels;
using LuaScripts.Channels.Demo;
using StackExchange.Redis;

// A short tour of the channel layer. Uses the server REDIS_URL names (host:port or
// redis://host:port), or else starts a throwaway redis-server on a free loopback port.
// `--backend scripts|functions|auto` picks how the commands run (default: scripts).
var backendArg = args.SkipWhile(a => a != "--backend").Skip(1).FirstOrDefault() ?? "scripts";
if (!Enum.TryParse<ScriptBackend>(backendArg, ignoreCase: true, out var backend) || !Enum.IsDefined(backend))
{
    Console.Error.WriteLine($"--backend must be scripts, functions or auto, not '{backendArg}'");
    return 2;
}
ThrowawayRedis? owned = null;
try
{
    var url = Environment.GetEnvironmentVariable("REDIS_URL");
    string endPoint;
    if (string.IsNullOrWhiteSpace(url))
    {
        owned = ThrowawayRedis.Start();
        endPoint = owned.EndPoint;
        Console.WriteLine($"Redis: started a throwaway redis-server on {endPoint} (no persistence)");
    }
    else
    {
        endPoint = url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) ? url["redis://".Length..].TrimEnd('/') : url;
        Console.WriteLine($"Redis: using REDIS_URL {endPoint}");
    }

    using var mux = await ConnectionMultiplexer.ConnectAsync($"{endPoint},allowAdmin=true");
    var server = mux.GetServer(mux.GetEndPoints()[0]);
    Console.WriteLine($"Redis: server version {server.Version}");

    // Counts of EVAL / EVALSHA (and the membership reads) since the previous step, from INFO commandstats.
    var last = new Dictionary<string, long>();
    long Calls(string command)
    {
        foreach (var group in server.Info("commandstats"))
            foreach (var pair in group)
                if (pair.Key.Equals("cmdstat_" + command, StringComparison.OrdinalIgnoreCase))
                    return long.Parse(pair.Value.Split(',')[0].Split('=')[1], CultureInfo.InvariantCulture);
        return 0;
    }
    string Wire()
    {
        var parts = new List<string>();
        var commands = backend == ScriptBackend.Scripts
            ? new[] { "eval", "evalsha", "zrangebyscore" }
            : new[] { "eval", "evalsha", "fcall", "fcall_ro", "function|load", "zrangebyscore" };
        foreach (var command in commands)
        {
            var now = Calls(command);
            var delta = now - last.GetValueOrDefault(command);
            last[command] = now;
            parts.Add($"{command.ToUpperInvariant()} +{delta}");
        }
        return "    wire: " + string.Join(", ", parts);
    }
    Wire();
    Console.WriteLine("(wire = what the server counted during a step: EVAL carries a script's body, EVALSHA only");
    Console.WriteLine(" its SHA1, FCALL names a function of the client's library; ZRANGEBYSCORE is a publish's membership read)");

    var client = new ScriptClient(mux, new ScriptClientOptions { Backend = backend });
    Console.WriteLine($"Backend: {backend}");
    var functions = backend != ScriptBackend.Scripts;
    var prefix = "demo-" + Guid.NewGuid().ToString("N")[..6];
    var layer = new ChannelLayer(client, new ChannelLayerOptions { Prefix = prefix });

    Console.WriteLine();
    Console.WriteLine($"1. Defined the layer's commands (keys live under the hash tag {{{prefix}}}):");
    foreach (var name in client.ListScripts())
    {
        var script = client.GetScript(name);
        Console.WriteLine($"     {name,-20} sha1 {script.Sha1[..12]}…  keys: {(script.Keys is int k ? k.ToString(CultureInfo.InvariantCulture) : "dynamic")}");
    }

    Console.WriteLine();
    Console.WriteLine("2. Subscribe alice, bob and carol to 'room'; bob also to 'lobby'");
    foreach (var channel in new[] { "alice", "bob", "carol" })
        Console.WriteLine($"     subscribe room {channel,-6} -> {(await layer.SubscribeAsync("room", channel) ? "joined" : "renewed")}");
    await layer.SubscribeAsync("lobby", "bob");
    Console.WriteLine($"     members of room: [{string.Join(", ", await layer.MembersAsync("room"))}]");
    Console.WriteLine(Wire());

    Console.WriteLine();
    Console.WriteLine("3. alice publishes 'hello' to room, excluding herself");
    Console.WriteLine($"     delivered to {await layer.PublishAsync("room", "hello", exclude: "alice")} member(s)");
    Console.WriteLine(Wire());

    Console.WriteLine();
    Console.WriteLine("4. Poll each channel");
    foreach (var channel in new[] { "alice", "bob", "carol" })
    {
        var message = await layer.PollAsync(channel);
        Console.WriteLine($"     {channel,-6} -> {(message is null ? "(nothing)" : $"'{message.Text}' sent {message.SentAt:HH:mm:ss.fff} UTC")}");
    }
    Console.WriteLine(Wire());

    Console.WriteLine();
    Console.WriteLine("5. A pipeline of two publishes: 'p1' to room, 'p2' to lobby (one round trip for both scripts)");
    var pipe = client.Pipeline();
    await layer.QueuePublishAsync(pipe, "room", "p1");
    await layer.QueuePublishAsync(pipe, "lobby", "p2");
    var replies = await pipe.ExecuteAsync();
    Console.WriteLine($"     replies: [{string.Join(", ", replies.Select(r => (long)r))}]");
    Console.WriteLine(Wire() + (functions
        ? "   (the pipeline's guard: FUNCTION LOAD of the library, answered 'already exists')"
        : "   (a pipeline's first use of a script carries its body)"));
    var bobGot = new List<string>();
    while (await layer.PollAsync("bob") is { } m) bobGot.Add(m.Text);
    Console.WriteLine($"     bob now holds: [{string.Join(", ", bobGot)}]");
    Wire();

    Console.WriteLine();
    Console.WriteLine("6. SCRIPT FLUSH (as a restart or failover would), then publish again");
    await server.ScriptFlushAsync();
    Console.WriteLine($"     publish 'after flush' -> delivered to {await layer.PublishAsync("room", "after flush")} member(s): no error");
    Console.WriteLine(Wire() + (functions
        ? "   (functions live outside the script cache: nothing to reload)"
        : "   (EVALSHA got NOSCRIPT, one EVAL reloaded it)"));
    for (var i = 0; i < 3; i++) await layer.PublishAsync("room", $"again {i}");
    Console.WriteLine("     three more publishes");
    Console.WriteLine(Wire() + (functions ? "   (FCALL only)" : "   (back to EVALSHA only)"));

    Console.WriteLine();
    Console.WriteLine("7. ReceiveAsync waits for a message sent while it waits");
    var waiting = layer.ReceiveAsync("carol-direct", TimeSpan.FromSeconds(5));
    await Task.Delay(100);
    await layer.SendAsync("carol-direct", "ping");
    Console.WriteLine($"     received '{(await waiting)?.Text}'");

    Console.WriteLine();
    Console.WriteLine("8. Disconnect: clean up every channel (queue deleted, topics left, one script each)");
    var topics = new[] { "room", "lobby" };
    foreach (var channel in new[] { "alice", "bob", "carol", "carol-direct" })
    {
        var result = await layer.CleanupAsync(channel, topics);
        Console.WriteLine($"     {channel,-12} queue deleted: {result.QueueDeleted,-5}  topics left: {result.TopicsLeft}");
    }

    Console.WriteLine();
    Console.WriteLine($"Totals on this server: EVAL {Calls("eval")}, EVALSHA {Calls("evalsha")}, FCALL {Calls("fcall") + Calls("fcall_ro")}");
    if (client.ActiveBackend == ScriptBackend.Functions)
        Console.WriteLine($"The commands ran as functions of the library {client.DescribeFunctionLibrary().Name} (see FUNCTION LIST).");
    Console.WriteLine("Done.");
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"Demo failed: {e}");
    return 1;
}
finally
{
    owned?.Dispose();
}
