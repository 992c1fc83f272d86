using LuaScripts.Core;
using LuaScripts.TestServers;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// F#/C# parity of every error kind: the same call made through the F# core (<c>Client.run</c>,
/// <c>runExplicit</c>, <c>StepQueue.Add</c>, <c>execute</c>/<c>transact</c>) and through the C# facade
/// (<see cref="ScriptClient"/>, <see cref="ScriptPipeline"/>) against the same server. Each test
/// asserts the exact F# error value, the exact C# exception type, and that both name the same
/// command and say the same sentence (the C# exception's Message is the core's describe sentence).
/// Both clients are created with the run's backend (LUASCRIPTS_TEST_BACKEND).
/// </summary>
internal static class Parity
{
    /// <summary>The run's backend as the core spells it.</summary>
    public static Backend CoreBackend => TestClients.Backend switch
    {
        ScriptBackend.Functions => Backend.Functions,
        ScriptBackend.Auto => Backend.Auto,
        _ => Backend.Scripts,
    };

    /// <summary>An F# core client over a connection with the run's backend (what TestClients gives C#).</summary>
    public static Client CoreClient(IConnectionMultiplexer mux) =>
        ClientModule.CreateWith(new ClientOptions(-1, CoreBackend, FSharpOption<string>.None, FSharpOption<Microsoft.Extensions.Logging.ILoggerFactory>.None), mux);

    /// <summary>Defines the same command on the F# client and on the C# client.</summary>
    public static void Define(Client core, ScriptClient facade, string name, string lua, int keys, bool readOnly = false)
    {
        var defined = ClientModule.Define(name, lua, KeyCount.NewFixed(keys),
            new ScriptOptions(FSharpOption<string>.None, readOnly, false), core);
        Assert.True(defined.IsOk, "the F# definition was refused");
        facade.DefineCommand(name, new CommandDefinition(lua) { Keys = keys, ReadOnly = readOnly });
    }

    public static FSharpList<T> List<T>(params T[] items) => ListModule.OfArray(items);

    /// <summary>The F# error of a run that must fail.</summary>
    public static async Task<RunError> Failure(Task<FSharpResult<RedisResult, RunError>> run)
    {
        var result = await run;
        Assert.True(result.IsError, "the F# call succeeded");
        return result.ErrorValue;
    }

    /// <summary>The F# errors of a program that must fail.</summary>
    public static async Task<ExecutionError> ProgramFailure<T>(Task<FSharpResult<T, FSharpList<ExecutionError>>> run)
    {
        var result = await run;
        Assert.True(result.IsError, "the F# program succeeded");
        return Assert.Single(result.ErrorValue);
    }

    /// <summary>
    /// The parity itself: the C# exception names the F# error's command, and its Message is the core's
    /// sentence for that error (<c>RunError.describe</c>).
    /// </summary>
    public static void SameError(RunError fs, LuaScriptException cs)
    {
        var name = fs switch
        {
            RunError.UnknownCommand u => u.name,
            RunError.InvalidArguments a => a.name,
            RunError.Execution e => ExecutionErrorModule.Subject(e.Item),
            _ => throw new InvalidOperationException("unreachable"),
        };
        Assert.Equal(name, cs.ScriptName);
        Assert.Equal(RunErrorModule.Describe(fs), cs.Message);
    }

    // Commands the multiplexer's background work may send while a test profiles (as Core.Tests' Server.fs).
    private static readonly HashSet<string> Housekeeping =
        new(StringComparer.OrdinalIgnoreCase) { "PING", "ECHO", "INFO", "CLUSTER", "CONFIG", "CLIENT", "SUBSCRIBE", "ROLE", "SENTINEL" };

    /// <summary>Runs an action under SE.Redis profiling and returns what it sent, housekeeping left out.</summary>
    public static async Task<List<IProfiledCommand>> Sent(IConnectionMultiplexer mux, Func<Task> action) =>
        (await Wire.Profile(mux, action)).Where(c => !Housekeeping.Contains(c.Command)).ToList();

    /// <summary>The same for an action that does not wait.</summary>
    public static Task<List<IProfiledCommand>> Sent(IConnectionMultiplexer mux, Action action) =>
        Sent(mux, () => { action(); return Task.CompletedTask; });

    /// <summary>The commands that would show a call, a batch or a library load in INFO commandstats.</summary>
    public static readonly string[] Counted =
        { "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "function|load", "multi", "exec", "incrby", "mset", "set" };

    /// <summary>Those commands' counts summed over servers.</summary>
    public static long Calls(IEnumerable<IServer> servers) => servers.Sum(s => Counted.Sum(c => Wire.Calls(s, c)));
}

/// <summary>Parity on the single node: unknown name, too few arguments, a Lua run-time error, refusals.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ParityTests : IDisposable
{
    private const string Boom = "local missing = nil; return missing + 1";

    private readonly RedisFixture redis;
    private readonly ConnectionMultiplexer mux;
    private readonly Client core;
    private readonly ScriptClient facade;
    private readonly string prefix = "parity:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public ParityTests(RedisFixture redis)
    {
        this.redis = redis;
        mux = redis.Connect();
        core = Parity.CoreClient(mux);
        facade = TestClients.Create(mux);
        DefineBoth(core, facade);
    }

    public void Dispose() => mux.Dispose();

    private static void DefineBoth(Client core, ScriptClient facade)
    {
        Parity.Define(core, facade, "incr", Lua.IncrBy, 1);
        Parity.Define(core, facade, "boom", Boom, 1);
        Parity.Define(core, facade, "sneaky", "return redis.call('SET', KEYS[1], 'x')", 1, readOnly: true);
        Parity.Define(core, facade, "setter", "return redis.call('SET', KEYS[1], ARGV[1])", 1);
    }

    private string Key(string name) => prefix + name;

    [Fact]
    public async Task Both_clients_run_with_the_runs_backend()
    {
        var fcalls = Wire.Calls(redis.AdminServer, "fcall");
        var fs = await ClientModule.Run("incr", Parity.List<RedisValue>(Key("n"), 1), core);
        var cs = await facade.RunScriptAsync("incr", Key("n"), 1);

        Assert.True(fs.IsOk);
        Assert.Equal("1", (string?)fs.ResultValue);
        Assert.Equal("2", (string?)cs);
        Assert.Equal(Parity.CoreBackend, ClientModule.ActiveBackend(core));
        Assert.Equal(TestClients.Backend, facade.ActiveBackend);
        Assert.Equal(fcalls + (TestBackend.IsFunctions ? 2 : 0), Wire.Calls(redis.AdminServer, "fcall"));
    }

    [Theory]
    [InlineData("flat")]
    [InlineData("explicit")]
    public async Task An_unknown_name_is_UnknownCommand_in_FSharp_and_UnknownScriptException_in_CSharp(string form)
    {
        var sent = new List<IProfiledCommand>();
        RunError fs = null!;
        UnknownScriptException cs = null!;
        sent.AddRange(await Parity.Sent(mux, async () =>
        {
            fs = form == "flat"
                ? await Parity.Failure(ClientModule.Run("nope", Parity.List<RedisValue>(Key("k"), 1), core))
                : await Parity.Failure(ClientModule.RunExplicit("nope", Parity.List<RedisKey>(Key("k")), Parity.List<RedisValue>(1), core));
            cs = form == "flat"
                ? await Assert.ThrowsAsync<UnknownScriptException>(() => facade.RunScriptAsync("nope", Key("k"), 1))
                : await Assert.ThrowsAsync<UnknownScriptException>(() =>
                    facade.RunScriptAsync("nope", new RedisKey[] { Key("k") }, new RedisValue[] { 1 }));
        }));

        Assert.Equal(RunError.NewUnknownCommand("nope"), fs);
        Parity.SameError(fs, cs);
        Assert.Equal("No script command named 'nope' is defined on this client.", cs.Message);
        Assert.Empty(sent);
    }

    [Fact]
    public void An_unknown_name_is_refused_alike_when_queued_in_a_pipeline_or_a_transaction()
    {
        foreach (var transaction in new[] { false, true })
        {
            var fs = ClientModule.Invoke("nope", new RedisValue[] { Key("k") }, core);
            Assert.True(fs.IsError);
            var pipe = transaction ? facade.Transaction() : facade.Pipeline();
            var cs = Assert.Throws<UnknownScriptException>(() => pipe.RunScript("nope", Key("k")));

            Assert.Equal(RunError.NewUnknownCommand("nope"), fs.ErrorValue);
            Parity.SameError(fs.ErrorValue, cs);
            Assert.Equal(0, pipe.Count);
        }
    }

    [Fact]
    public async Task Too_few_flat_arguments_are_TooFewArguments_in_FSharp_and_ScriptArgumentException_in_CSharp()
    {
        RunError fs = null!;
        ScriptArgumentException cs = null!;
        var sent = await Parity.Sent(mux, async () =>
        {
            fs = await Parity.Failure(ClientModule.Run("incr", FSharpList<RedisValue>.Empty, core));
            cs = await Assert.ThrowsAsync<ScriptArgumentException>(() => facade.RunScriptAsync("incr"));
        });

        Assert.Equal(RunError.NewInvalidArguments("incr", ArgumentError.NewTooFewArguments(1, 0)), fs);
        Parity.SameError(fs, cs);
        Assert.Equal("The script command 'incr' takes 1 key(s) but was given 0 argument(s).", cs.Message);
        Assert.Empty(sent);
    }

    [Fact]
    public async Task A_KEYS_array_of_the_wrong_length_is_KeyArrayLengthMismatch_in_FSharp_and_ScriptArgumentException_in_CSharp()
    {
        RunError fs = null!;
        ScriptArgumentException cs = null!;
        var sent = await Parity.Sent(mux, async () =>
        {
            fs = await Parity.Failure(ClientModule.RunExplicit("incr", FSharpList<RedisKey>.Empty, Parity.List<RedisValue>(1), core));
            cs = await Assert.ThrowsAsync<ScriptArgumentException>(() =>
                facade.RunScriptAsync("incr", Array.Empty<RedisKey>(), new RedisValue[] { 1 }));
        });

        Assert.Equal(RunError.NewInvalidArguments("incr", ArgumentError.NewKeyArrayLengthMismatch(1, 0)), fs);
        Parity.SameError(fs, cs);
        Assert.Empty(sent);
    }

    [Fact]
    public void Too_few_arguments_are_refused_alike_when_queued_in_a_pipeline()
    {
        var fs = ClientModule.Invoke("incr", Array.Empty<RedisValue>(), core);
        var pipe = facade.Pipeline();
        var cs = Assert.Throws<ScriptArgumentException>(() => pipe.RunScript("incr"));

        Assert.True(fs.IsError);
        Assert.Equal(RunError.NewInvalidArguments("incr", ArgumentError.NewTooFewArguments(1, 0)), fs.ErrorValue);
        Parity.SameError(fs.ErrorValue, cs);
        Assert.Equal(0, pipe.Count);
    }

    /// <summary>The F# CommandFailed of a call and the C# ScriptExecutionException of the same call: one error.</summary>
    private static async Task<(ExecutionError Fs, ScriptExecutionException Cs)> CommandFailedBoth(
        Client onCore, ScriptClient onFacade, string name, string key)
    {
        var fs = await Parity.Failure(ClientModule.Run(name, Parity.List<RedisValue>(key, "v"), onCore));
        var cs = await Assert.ThrowsAsync<ScriptExecutionException>(() => onFacade.RunScriptAsync(name, key, "v"));

        var execution = Assert.IsType<RunError.Execution>(fs);
        Assert.Equal(ExecutionError.NewCommandFailed(cs.ScriptName, cs.Sha1, cs.ServerMessage), execution.Item);
        Assert.Equal(name, cs.ScriptName);
        Assert.Equal(onFacade.GetScript(name).Sha1, cs.Sha1);
        // The F# client places the same error at the same line of the command's body, in the same words.
        var placed = ScriptSources.Locate(execution.Item, onCore);
        Assert.NotNull(placed);
        Assert.Equal(ErrorSourceModule.Describe(placed.Value), cs.Message);
        Assert.Equal(placed.Value.BodyLine, cs.SourceLine);
        Assert.StartsWith($"{name}: line {cs.SourceLine}: ", cs.Message, StringComparison.Ordinal);
        Assert.Equal(ExecutionErrorModule.Message(execution.Item), cs.ServerMessage);
        return (execution.Item, cs);
    }

    [Fact]
    public async Task A_Lua_runtime_error_is_CommandFailed_in_FSharp_and_ScriptExecutionException_in_CSharp_with_the_same_server_message()
    {
        var (_, cs) = await CommandFailedBoth(core, facade, "boom", Key("boom"));
        Assert.Contains("attempt to perform arithmetic", cs.ServerMessage);
    }

    [Fact]
    public async Task A_write_in_a_read_only_command_is_refused_alike_and_nothing_is_written()
    {
        var (_, cs) = await CommandFailedBoth(core, facade, "sneaky", Key("ro"));
        Assert.Contains("Write commands are not allowed from read-only scripts", cs.ServerMessage);
        Assert.False(await redis.Admin.GetDatabase().KeyExistsAsync(Key("ro")));
    }

    [Fact]
    public async Task An_ACL_refusal_inside_a_script_is_refused_alike()
    {
        var user = "parity_" + Guid.NewGuid().ToString("N")[..6];
        await redis.AdminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-set");
        try
        {
            using var limited = redis.Connect($"user={user},password=secret");
            var limitedCore = Parity.CoreClient(limited);
            var limitedFacade = TestClients.Create(limited);
            DefineBoth(limitedCore, limitedFacade);

            var (_, cs) = await CommandFailedBoth(limitedCore, limitedFacade, "setter", Key("acl"));
            // Redis 7.0 says "ERR The user executing the script can't run this command or subcommand";
            // later versions "NOPERM ... has no permissions to run the 'set' command".
            Assert.True(cs.ServerMessage.Contains("NOPERM") || cs.ServerMessage.Contains("can't run this command"), cs.ServerMessage);
            Assert.False(await redis.Admin.GetDatabase().KeyExistsAsync(Key("acl")));
        }
        finally
        {
            await redis.AdminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_script_error_in_a_pipeline_or_transaction_is_the_same_failure_in_both(bool transaction)
    {
        var queue = transaction ? ClientModule.Transaction(core) : ClientModule.Pipeline(core);
        Assert.True(queue.Add(Step.NewCall(ClientModule.Invoke("incr", new RedisValue[] { Key("a"), 1 }, core).ResultValue)).IsOk);
        Assert.True(queue.Add(Step.NewCall(ClientModule.Invoke("boom", new RedisValue[] { Key("b"), 1 }, core).ResultValue)).IsOk);
        var replies = (await ClientModule.Send(queue, core)).ResultValue;

        var pipe = transaction ? facade.Transaction() : facade.Pipeline();
        pipe.RunScript("incr", Key("a"), 1).RunScript("boom", Key("b"), 1);
        var cs = await Assert.ThrowsAsync<PipelineExecutionException>(() => pipe.ExecuteAsync());

        Assert.Equal(2, replies.Length);
        Assert.True(replies[0].IsOk);
        Assert.Equal("1", (string?)replies[0].ResultValue);
        Assert.Equal("2", (string?)cs.Results[0]);
        Assert.True(replies[1].IsError);
        var failed = Assert.IsType<ExecutionError.CommandFailed>(replies[1].ErrorValue);
        Assert.Equal("boom", failed.name);
        Assert.Equal(facade.GetScript("boom").Sha1, failed.sha1);
        var failure = Assert.Single(cs.Failures);
        Assert.Equal(new PipelineFailure(1, ExecutionErrorModule.Subject(failed), ExecutionErrorModule.Message(failed)), failure);
        Assert.Equal("boom", cs.ScriptName);
        Assert.Contains("attempt to perform arithmetic", failure.Message);
    }
}

/// <summary>
/// Parity on the 3-primary cluster: keys spanning slots in a single call, a pipeline and a
/// transaction, with the keys given as strings (flat arguments) and as <see cref="RedisKey"/>s
/// (explicit KEYS, raw commands). Nothing of a refused call is sent: the profiler sees no command,
/// INFO commandstats of every node is unchanged, and the keys stay absent.
/// </summary>
[Collection(ClusterCollectionDefinition.Name)]
public sealed class ClusterParityTests : IDisposable
{
    private readonly ConnectionMultiplexer mux;
    private readonly Client core;
    private readonly ScriptClient facade;
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];
    private readonly string a;
    private readonly string b;

    public ClusterParityTests(ClusterFixture fixture)
    {
        mux = fixture.Connect();
        core = Parity.CoreClient(mux);
        facade = TestClients.Create(mux);
        Parity.Define(core, facade, "incr", Lua.IncrBy, 1);
        Parity.Define(core, facade, "sum2",
            "return redis.call('INCRBY', KEYS[1], ARGV[1]) + redis.call('INCRBY', KEYS[2], ARGV[1])", 2);
        a = $"pc:{tag}:a";
        b = Enumerable.Range(0, 100).Select(i => $"pc:{tag}:b{i}").First(k => mux.HashSlot(k) != mux.HashSlot(a));
    }

    public void Dispose() => mux.Dispose();

    private int SlotA => mux.HashSlot(a);
    private int SlotB => mux.HashSlot(b);

    private ArgumentError CrossAB => ArgumentError.NewCrossSlot(Parity.List(SlotA, SlotB));

    // Primaries only: a replica's counts also move when it applies an earlier test's writes.
    private IEnumerable<IServer> Servers => mux.GetServers().Where(s => !s.IsReplica);

    /// <summary>Runs a refusal under the profiler and commandstats; asserts nothing was sent and a, b stay absent.</summary>
    private async Task NothingSent(Func<Task> refusal)
    {
        var before = Parity.Calls(Servers);
        var sent = await Parity.Sent(mux, refusal);
        // COMMAND is the client reading where raw commands keep their keys (once per connection), not
        // a command of the round.
        var commands = sent.Select(c => c.Command).Where(c => c != "COMMAND").ToList();
        Assert.Empty(commands);
        Assert.Equal(before, Parity.Calls(Servers));
        var db = mux.GetDatabase();
        Assert.False(await db.KeyExistsAsync(a));
        Assert.False(await db.KeyExistsAsync(b));
    }

    [Theory]
    [InlineData("string")]
    [InlineData("RedisKey")]
    public async Task Keys_spanning_slots_in_one_call_are_CrossSlot_in_FSharp_and_CrossSlotException_in_CSharp(string keys)
    {
        RunError fs = null!;
        CrossSlotException cs = null!;
        await NothingSent(async () =>
        {
            if (keys == "string")
            {
                fs = await Parity.Failure(ClientModule.Run("sum2", Parity.List<RedisValue>(a, b, 1), core));
                cs = await Assert.ThrowsAsync<CrossSlotException>(() => facade.RunScriptAsync("sum2", a, b, 1));
            }
            else
            {
                fs = await Parity.Failure(ClientModule.RunExplicit("sum2", Parity.List<RedisKey>(a, b), Parity.List<RedisValue>(1), core));
                cs = await Assert.ThrowsAsync<CrossSlotException>(() =>
                    facade.RunScriptAsync("sum2", new RedisKey[] { a, b }, new RedisValue[] { 1 }));
            }
        });

        Assert.Equal(RunError.NewInvalidArguments("sum2", CrossAB), fs);
        Parity.SameError(fs, cs);
        Assert.Equal(new[] { SlotA, SlotB }, cs.Slots);
        Assert.Contains("hash tag", cs.Message);
    }

    /// <summary>A refused step as F# builds it and as C# queues it.</summary>
    private (Step Fs, Action<ScriptPipeline> Cs, string Name) Spanning(string keys) => keys switch
    {
        "string" => (Step.NewCall(ClientModule.Invoke("sum2", new RedisValue[] { a, b, 1 }, core).ResultValue),
            p => p.RunScript("sum2", a, b, 1), "sum2"),
        "RedisKey" => (Step.NewCall(ClientModule.InvokeExplicit("sum2", new RedisKey[] { a, b }, new RedisValue[] { 1 }, core).ResultValue),
            p => p.RunScript("sum2", new RedisKey[] { a, b }, new RedisValue[] { 1 }), "sum2"),
        "raw" => (Step.NewRaw("MSET", new object[] { (RedisKey)a, "1", (RedisKey)b, "2" }),
            p => p.RawCommand("MSET", (RedisKey)a, "1", (RedisKey)b, "2"), "MSET"),
        _ => throw new ArgumentOutOfRangeException(nameof(keys)),
    };

    /// <summary>
    /// One refused step in a pipeline or a transaction, on the F# queue, in an F# program and on the
    /// C# pipeline: the same command, the same slots, the same sentence; nothing is sent; the steps
    /// queued before it still run.
    /// </summary>
    private async Task RefusedInARound(bool transaction, string keys)
    {
        var ok = $"{{{tag}}}:ok";
        var good = Step.NewCall(ClientModule.Invoke("incr", new RedisValue[] { ok, 1 }, core).ResultValue);
        var (bad, queueBad, name) = Spanning(keys);
        var expected = RunError.NewInvalidArguments(name, CrossAB);

        // F#: the queue refuses the step when it is added, and keeps what it had.
        var queue = transaction ? ClientModule.Transaction(core) : ClientModule.Pipeline(core);
        Assert.True(queue.Add(good).IsOk);
        FSharpResult<Unit, RunError> added = default;
        // C#: the pipeline refuses the call when it is queued, and keeps what it had.
        var pipe = (transaction ? facade.Transaction() : facade.Pipeline()).RunScript("incr", ok, 1);
        CrossSlotException cs = null!;
        await NothingSent(() =>
        {
            added = queue.Add(bad);
            cs = Assert.Throws<CrossSlotException>(() => queueBad(pipe));
            return Task.CompletedTask;
        });

        Assert.True(added.IsError);
        Assert.Equal(expected, added.ErrorValue);
        Parity.SameError(added.ErrorValue, cs);
        Assert.Equal(new[] { SlotA, SlotB }, cs.Slots);
        Assert.Equal(1, queue.Count);
        Assert.Equal(1, pipe.Count);

        // F# program: the whole round is refused before anything of it is sent.
        var program = LuaScripts.Core.Program.Sequence(Parity.List(
            LuaScripts.Core.Program.Call(((Step.Call)good).Item),
            bad is Step.Call call ? LuaScripts.Core.Program.Call(call.Item) : LuaScripts.Core.Program.Raw("MSET", ((Step.Raw)bad).args)));
        ExecutionError fsProgram = null!;
        await NothingSent(async () => fsProgram = await Parity.ProgramFailure(transaction
            ? ClientModule.Transact(program, core)
            : ClientModule.Execute(program, core)));

        Assert.Equal(ExecutionError.NewInvalidArguments(name, CrossAB), fsProgram);
        Assert.Equal(name, ExecutionErrorModule.Subject(fsProgram));
        Assert.Equal(cs.Message, ExecutionErrorModule.Message(fsProgram));
        Assert.Equal(cs.Message + " Nothing of the round was sent.", ExecutionErrorModule.Describe(fsProgram));

        // What was queued before the refusal runs, in both.
        var replies = (await ClientModule.Send(queue, core)).ResultValue;
        var results = await pipe.ExecuteAsync();
        Assert.Equal(new[] { "1" }, replies.Select(r => (string?)r.ResultValue));
        Assert.Equal(new[] { "2" }, results.Select(r => (string?)r));
        Assert.False(await mux.GetDatabase().KeyExistsAsync(a));
        Assert.False(await mux.GetDatabase().KeyExistsAsync(b));
    }

    [Theory]
    [InlineData("string")]
    [InlineData("RedisKey")]
    [InlineData("raw")]
    public Task Keys_spanning_slots_in_a_pipeline_step_are_refused_alike_and_nothing_is_sent(string keys) =>
        RefusedInARound(transaction: false, keys);

    [Theory]
    [InlineData("string")]
    [InlineData("RedisKey")]
    [InlineData("raw")]
    public Task Keys_spanning_slots_in_a_transaction_step_are_refused_alike_and_nothing_is_sent(string keys) =>
        RefusedInARound(transaction: true, keys);

    [Theory]
    [InlineData("string")]
    [InlineData("RedisKey")]
    [InlineData("raw")]
    public async Task A_transaction_whose_steps_span_slots_is_refused_alike_and_nothing_is_sent(string keys)
    {
        // Each step's keys share a slot, but the second step's slot is not the first's.
        var (first, second, name) = keys switch
        {
            "string" => (ClientModule.Invoke("incr", new RedisValue[] { a, 1 }, core).ResultValue,
                ClientModule.Invoke("incr", new RedisValue[] { b, 1 }, core).ResultValue, "incr"),
            _ => (ClientModule.InvokeExplicit("incr", new RedisKey[] { a }, new RedisValue[] { 1 }, core).ResultValue,
                ClientModule.InvokeExplicit("incr", new RedisKey[] { b }, new RedisValue[] { 1 }, core).ResultValue, "incr"),
        };
        var secondStep = keys == "raw" ? Step.NewRaw("SET", new object[] { (RedisKey)b, "1" }) : Step.NewCall(second);
        if (keys == "raw") name = "SET";
        var expected = RunError.NewInvalidArguments(name, CrossAB);

        var queue = ClientModule.Transaction(core);
        Assert.True(queue.Add(Step.NewCall(first)).IsOk);
        var tx = facade.Transaction();
        if (keys == "string") tx.RunScript("incr", a, 1);
        else tx.RunScript("incr", new RedisKey[] { a }, new RedisValue[] { 1 });
        FSharpResult<Unit, RunError> added = default;
        CrossSlotException cs = null!;
        await NothingSent(() =>
        {
            added = queue.Add(secondStep);
            cs = keys switch
            {
                "string" => Assert.Throws<CrossSlotException>(() => tx.RunScript("incr", b, 1)),
                "RedisKey" => Assert.Throws<CrossSlotException>(() => tx.RunScript("incr", new RedisKey[] { b }, new RedisValue[] { 1 })),
                _ => Assert.Throws<CrossSlotException>(() => tx.RawCommand("SET", (RedisKey)b, "1")),
            };
            return Task.CompletedTask;
        });

        Assert.True(added.IsError);
        Assert.Equal(expected, added.ErrorValue);
        Parity.SameError(added.ErrorValue, cs);
        Assert.Equal(new[] { SlotA, SlotB }, cs.Slots);
        Assert.Equal(1, queue.Count);
        Assert.Equal(1, tx.Count);

        // F# program as one transaction: refused whole, nothing sent, a stays absent too.
        var program = LuaScripts.Core.Program.Sequence(Parity.List(
            LuaScripts.Core.Program.Call(first),
            secondStep is Step.Call call ? LuaScripts.Core.Program.Call(call.Item) : LuaScripts.Core.Program.Raw("SET", ((Step.Raw)secondStep).args)));
        ExecutionError fsProgram = null!;
        await NothingSent(async () => fsProgram = await Parity.ProgramFailure(ClientModule.Transact(program, core)));
        Assert.Equal(ExecutionError.NewInvalidArguments(name, CrossAB), fsProgram);
        Assert.Equal(cs.Message, ExecutionErrorModule.Message(fsProgram));
    }
}
