using System;
using System.Threading.Tasks;

namespace LuaScripts.AotSample;

/// <summary>Records what the sample checked: one line per check, and the number that failed.</summary>
internal sealed class Checks
{
    private string section = "";

    /// <summary>How many checks failed so far.</summary>
    public int Failed { get; private set; }

    /// <summary>How many checks ran so far.</summary>
    public int Count { get; private set; }

    /// <summary>Starts a titled group of checks (a backend, a feature).</summary>
    public void Section(string title)
    {
        section = title;
        Console.WriteLine($"== {title}");
    }

    /// <summary>Checks that a result equals what was expected (compared as text: replies are Redis strings).</summary>
    public void Equal(string what, object? expected, object? actual)
    {
        var e = Convert.ToString(expected, System.Globalization.CultureInfo.InvariantCulture);
        var a = Convert.ToString(actual, System.Globalization.CultureInfo.InvariantCulture);
        Record(what, e == a, $"expected {e ?? "(null)"}, got {a ?? "(null)"}");
    }

    /// <summary>Checks that a condition holds.</summary>
    public void True(string what, bool condition, string detail) => Record(what, condition, detail);

    /// <summary>Checks that an action fails with exactly the expected exception type, and returns it.</summary>
    public async Task<TException?> Throws<TException>(string what, Func<Task> action)
        where TException : Exception
    {
        try
        {
            await action();
            Record(what, false, $"expected {typeof(TException).Name}, nothing was thrown");
            return null;
        }
        catch (TException ex)
        {
            Record(what, true, ex.GetType().Name);
            return ex;
        }
#pragma warning disable CA1031 // any other exception is what this check reports
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Record(what, false, $"expected {typeof(TException).Name}, got {ex.GetType().Name}: {ex.Message}");
            return null;
        }
    }

    private void Record(string what, bool ok, string detail)
    {
        Count++;
        if (ok)
        {
            Console.WriteLine($"ok    {what}");
        }
        else
        {
            Failed++;
            Console.WriteLine($"FAIL  [{section}] {what}: {detail}");
        }
    }
}
