using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LuaScripts.Channels;
using LuaScripts.TestServers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LuaScripts.WebApi.Tests;

/// <summary>
/// The web example in process (WebApplicationFactory) against a real redis-server: the API works, a
/// request produces a span named by the command, the duration metric is recorded, the health check
/// turns Degraded after a flush, and a broken script fails the start.
/// </summary>
public sealed class WebApiTests : IDisposable
{
    private readonly RedisServer server = RedisServer.Start();
    private readonly List<Activity> spans = new();
    private readonly List<Metric> metrics = new();

    public void Dispose() => server.Dispose();

    private WebApplicationFactory<Program> App(bool preload, Action<IServiceCollection>? services = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Redis", $"{server.EndPoint},abortConnect=false");
            web.UseSetting("LuaScripts:Backend", TestClients.Backend.ToString());
            web.UseSetting("LuaScripts:PreloadOnStart", preload ? "true" : "false");
            web.UseSetting("Channels:Prefix", "webtests");
            web.UseSetting("OpenTelemetry:Console", "false");
            web.ConfigureServices(s =>
            {
                s.AddOpenTelemetry()
                    .WithTracing(t => t.AddInMemoryExporter(spans))
                    .WithMetrics(m => m.AddInMemoryExporter(metrics));
                services?.Invoke(s);
            });
        });

    private static async Task<string> HealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task A_published_message_reaches_a_subscribed_channel_and_an_empty_channel_answers_204()
    {
        using var app = App(preload: true);
        using var http = app.CreateClient();

        (await http.PostAsync(new Uri("/topics/news/members/alice", UriKind.Relative), null)).EnsureSuccessStatusCode();
        using var published = await http.PostAsync(new Uri("/topics/news/messages", UriKind.Relative), new StringContent("hello"));
        Assert.Equal(1, (await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("delivered").GetInt32());

        using var polled = await http.GetAsync(new Uri("/channels/alice/messages", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        Assert.Equal("hello", (await polled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("text").GetString());
        using var empty = await http.GetAsync(new Uri("/channels/alice/messages", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
        Assert.Equal("Healthy", await HealthAsync(http));
    }

    [Fact]
    public async Task A_request_produces_a_span_named_by_the_command_and_records_the_duration_metric()
    {
        using var app = App(preload: true);
        using var http = app.CreateClient();

        using var response = await http.GetAsync(new Uri("/channels/bob/messages", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var span = Assert.Single(spans, s => s.Source.Name == "LuaScripts" && (s.GetTagItem("luascripts.command") as string) == ChannelCommands.Poll);
        Assert.Equal("redis", span.GetTagItem("db.system.name"));
        Assert.Equal(TestClients.Backend == ScriptBackend.Functions ? "FCALL" : "EVALSHA", span.GetTagItem("db.operation.name"));
        Assert.Equal("Microsoft.AspNetCore", span.Parent?.Source.Name); // a child of the request's span

        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var duration = Assert.Single(metrics, m => m.MeterName == "LuaScripts" && m.Name == "db.client.operation.duration");
        var tagged = new List<string?>();
        foreach (ref readonly var point in duration.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
                if (tag.Key == "luascripts.command") tagged.Add(tag.Value as string);
        }
        Assert.Contains(ChannelCommands.Poll, tagged);
    }

    [Fact]
    public async Task With_PreloadOnStart_off_the_health_check_turns_Degraded_after_a_flush()
    {
        using var app = App(preload: false);
        using var http = app.CreateClient();
        Assert.Equal("Degraded", await HealthAsync(http)); // nothing deployed yet

        await app.Services.GetRequiredService<ScriptClient>().PreloadScriptsAsync();
        Assert.Equal("Healthy", await HealthAsync(http));

        server.Send(TestClients.Backend == ScriptBackend.Functions ? "FUNCTION FLUSH" : "SCRIPT FLUSH");
        Assert.Equal("Degraded", await HealthAsync(http));
    }

    [Fact]
    public void A_script_that_does_not_compile_fails_the_start()
    {
        using var app = App(preload: true, services: s => s.AddLuaScripts()
            .AddCommand("broken_web", new CommandDefinition("return redis.call('GET', KEYS[1]") { Keys = 1 }));

        var error = Assert.Throws<InvalidOperationException>(() => app.CreateClient());
        Assert.Contains("'broken_web'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Error compiling script", error.Message, StringComparison.Ordinal);
    }
}
