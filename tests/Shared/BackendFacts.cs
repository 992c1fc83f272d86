using Xunit;

namespace LuaScripts.TestServers;

/// <summary>
/// A fact that only holds with the Scripts backend (it counts EVAL/EVALSHA, checks the script cache,
/// …): skipped, with its reason shown, when the suites run with <c>LUASCRIPTS_TEST_BACKEND=Functions</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ScriptsBackendFactAttribute : FactAttribute
{
    /// <param name="reason">Why the test is inherent to the Scripts backend.</param>
    public ScriptsBackendFactAttribute(string reason)
    {
        if (TestBackend.IsFunctions) Skip = TestBackend.ScriptsOnly(reason);
    }
}

/// <summary>The theory counterpart of <see cref="ScriptsBackendFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ScriptsBackendTheoryAttribute : TheoryAttribute
{
    /// <param name="reason">Why the test is inherent to the Scripts backend.</param>
    public ScriptsBackendTheoryAttribute(string reason)
    {
        if (TestBackend.IsFunctions) Skip = TestBackend.ScriptsOnly(reason);
    }
}

/// <summary>
/// A fact that counts a batch's round trips with StackExchange.Redis profiling: skipped, with the
/// reason shown, on a StackExchange.Redis that does not profile batched commands (the 2.x floor pass).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BatchProfilingFactAttribute : FactAttribute
{
    public BatchProfilingFactAttribute()
    {
        if (!Wire.ProfilesBatches) Skip = Wire.NoBatchProfiling;
    }
}
