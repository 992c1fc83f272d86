using System.Diagnostics;
using System.Diagnostics.Metrics;
using LuaScripts.Core;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// <c>--listen</c>: what a host with OpenTelemetry that samples everything costs. Records every
/// LuaScripts span (AllDataAndRecorded) and every measurement of its meter, and throws them away,
/// so that the bench measures the library's side of telemetry, not an exporter's.
/// </summary>
public sealed class TelemetryListener : IDisposable
{
    private readonly ActivityListener spans;
    private readonly MeterListener meters;
    private long seen;

    /// <summary>Starts listening to the <c>LuaScripts</c> source and meter.</summary>
    public TelemetryListener()
    {
        spans = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Instrumentation.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref seen),
        };
        ActivitySource.AddActivityListener(spans);
        meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Instrumentation.Name) listener.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref seen));
        meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref seen));
        meters.Start();
    }

    /// <summary>Spans stopped and measurements taken so far.</summary>
    public long Seen => Interlocked.Read(ref seen);

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        spans.Dispose();
        meters.Dispose();
    }
}
