// A minimal API over the channel layer (examples/Channels), wired through LuaScripts.Hosting:
//   POST /channels/{channel}/messages          send a message to one channel (body: the text)
//   POST /topics/{topic}/members/{channel}     subscribe a channel to a topic
//   POST /topics/{topic}/messages              publish to every channel subscribed to the topic
//   GET  /channels/{channel}/messages          poll the channel's oldest message (204 when empty)
//   GET  /health                               the LuaScripts deployment health check
// Configuration: "Redis" (a StackExchange.Redis configuration string), the "LuaScripts" section
// (Backend, Database, KeyPrefix, PreloadOnStart, PreloadFailure), "Channels:Prefix", and
// "OpenTelemetry:Console" (spans and metrics of the "LuaScripts" source and meter on the console).
using System.Text.Json;
using LuaScripts;
using LuaScripts.Channels;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);

// The connection, registered as .NET Aspire's AddRedisClient would register it.
builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
    ConnectionMultiplexer.Connect(builder.Configuration["Redis"] ?? "127.0.0.1:6379"));

var channelOptions = new ChannelLayerOptions { Prefix = builder.Configuration["Channels:Prefix"] ?? "webapi" };
// The layer defines its commands on the client when it is made: made as the client is created, its
// commands are there for PreloadOnStart to load before the app takes traffic, and defined once.
ChannelLayer? layer = null;
builder.Services.AddLuaScripts(builder.Configuration.GetSection("LuaScripts"))
    .ConfigureClient(client => layer = new ChannelLayer(client, channelOptions));
builder.Services.AddSingleton(sp =>
{
    sp.GetRequiredService<ScriptClient>(); // creates the client, and with it the layer
    return layer!;
});
builder.Services.AddHealthChecks().AddLuaScripts();

// The request's span is the parent of the LuaScripts spans: without a recorded parent, the default
// (parent-based) sampler would drop them.
var telemetry = builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddSource("LuaScripts"))
    .WithMetrics(metrics => metrics.AddMeter("LuaScripts"));
if (builder.Configuration.GetValue("OpenTelemetry:Console", true))
{
    telemetry.WithTracing(tracing => tracing.AddConsoleExporter()).WithMetrics(metrics => metrics.AddConsoleExporter());
}

var app = builder.Build();

app.MapPost("/channels/{channel}/messages", async (string channel, HttpRequest request, ChannelLayer layer, CancellationToken cancellationToken) =>
{
    await layer.SendAsync(channel, await ReadTextAsync(request), cancellationToken);
    return Results.Accepted();
});

app.MapPost("/topics/{topic}/members/{channel}", async (string topic, string channel, ChannelLayer layer, CancellationToken cancellationToken) =>
    Results.Ok(new { joined = await layer.SubscribeAsync(topic, channel, cancellationToken) }));

app.MapPost("/topics/{topic}/messages", async (string topic, HttpRequest request, ChannelLayer layer, CancellationToken cancellationToken) =>
    Results.Ok(new { delivered = await layer.PublishAsync(topic, await ReadTextAsync(request), cancellationToken: cancellationToken) }));

app.MapGet("/channels/{channel}/messages", async (string channel, ChannelLayer layer, CancellationToken cancellationToken) =>
    await layer.PollAsync(channel, cancellationToken) is { } message
        ? Results.Ok(new { channel = message.Channel, text = message.Text, sentAt = message.SentAt })
        : Results.NoContent());

app.MapHealthChecks("/health", new HealthCheckOptions
{
    ResponseWriter = (context, report) =>
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    },
});

app.Run();

static async Task<string> ReadTextAsync(HttpRequest request)
{
    using var reader = new StreamReader(request.Body);
    return await reader.ReadToEndAsync();
}

/// <summary>The app's entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program
{
}
