using System.Reflection;
using LuaScripts.Core;
using LuaScripts.TestServers;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

public interface IChannelScripts
{
    Task<long> PublishToGroup(RedisKey topic, RedisValue message);

    [ScriptCommand("channel_poll")]
    Task<RedisValue> PollAsync(RedisKey queue);

    Task<RedisValue[]> MultiGet(int keyCount, params RedisKey[] keys);
}

public interface INaming
{
    Task<string?> WhoAmI();

    Task<string?> WhoAmIAsync();

    [ScriptCommand("custom-name")]
    Task<string?> AnythingAtAll();

    Task<string?> GetHTTPStatus();
}

public interface IReturns
{
    [ScriptCommand("r_long")] Task<long> AsLong();
    [ScriptCommand("r_long")] Task<int> AsInt();
    [ScriptCommand("r_long")] Task<RedisResult> Raw();
    [ScriptCommand("r_long")] Task Plain();
    [ScriptCommand("r_true")] Task<bool> AsBool();
    [ScriptCommand("r_nil")] Task<bool> FalseFromNil();
    [ScriptCommand("r_fraction")] Task<double> AsDouble();
    [ScriptCommand("r_string")] Task<string?> AsString();
    [ScriptCommand("r_nil")] Task<string?> NullString();
    [ScriptCommand("r_nil")] Task<long?> NullLong();
    [ScriptCommand("r_long")] Task<long?> SomeLong();
    [ScriptCommand("r_nil")] Task<RedisValue> NullValue();
    [ScriptCommand("r_string")] Task<RedisValue> Value();
    [ScriptCommand("r_string")] Task<RedisKey> Key();
    [ScriptCommand("r_string")] Task<byte[]> Bytes();
    [ScriptCommand("r_strings")] Task<string[]> Strings();
    [ScriptCommand("r_longs")] Task<long[]> Longs();
    [ScriptCommand("r_strings")] Task<RedisValue[]> Values();
    [ScriptCommand("r_nested")] Task<RedisResult[]> Nested();
    [ScriptCommand("echo_args")] Task<string[]> Echo(string s, int i, long l, double d, bool b, byte[] bytes, RedisValue v, RedisKey k);
    [ScriptCommand("echo_args")] Task<string[]> EchoMany(string first, CancellationToken cancellation, params string[] rest);
    [ScriptCommand("echo_args")] Task<string[]> EchoNumbers(uint u, ulong ul, short sh, float f, int? some, params long?[] more);
}

public interface IMismatch
{
    [ScriptCommand("r_longs")] Task<long> TableAsLong();
    [ScriptCommand("r_nil")] Task<long> NilAsLong();
    [ScriptCommand("r_string")] Task<long> WordAsLong();
    [ScriptCommand("r_nested")] Task<string[]> NestedAsStrings();
}

public interface IBroken
{
    Task<long> NotDefinedAnywhere();
    [ScriptCommand("two_keys")] Task<long> TooFewArguments(RedisKey onlyOne);
    [ScriptCommand("two_keys")] Task<DateTime> UnsupportedReturn(RedisKey a, RedisKey b);
    [ScriptCommand("two_keys")] long NotATask(RedisKey a, RedisKey b);
    [ScriptCommand("two_keys")] Task UnsupportedParameter(RedisKey a, RedisKey b, object what);
    [ScriptCommand("dynamic_keys")] Task<long> NoKeyCount();
    Task<long> MGetAll();
}

public interface ICounter
{
    [ScriptCommand("incr")] Task<long> IncrBy(RedisKey key, long by);
    [ScriptCommand("fails")] Task<long> Fails(RedisKey key);
}

public interface IExtendedChannelScripts : IChannelScripts
{
    [ScriptCommand("channel_poll")]
    Task<string?> PollText(RedisKey queue, CancellationToken cancellation = default);
}

public sealed class NotAnInterface
{
}

[Collection(RedisCollectionDefinition.Name)]
public sealed class BindingTests : IDisposable
{
    private const string IncrBy = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
    private const string PublishToGroup = Lua.PublishToGroup;

    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "b:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public BindingTests(RedisFixture redis)
    {
        mux = redis.Connect();
        client = TestClients.Create(mux);
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => prefix + name;

    private static void DefineChannelScripts(ScriptClient on, bool install = false)
    {
        on.DefineCommand("publish_to_group", new CommandDefinition(PublishToGroup) { Keys = 1, Install = install });
        on.DefineCommand("channel_poll", new CommandDefinition("return redis.call('LPOP', KEYS[1])") { Keys = 1 });
        on.DefineCommand("multi_get", new CommandDefinition("return redis.call('MGET', unpack(KEYS))"));
    }

    private void DefineReturns()
    {
        client.DefineCommand("r_long", new CommandDefinition("return 42") { Keys = 0 });
        client.DefineCommand("r_true", new CommandDefinition("return true") { Keys = 0 });
        client.DefineCommand("r_nil", new CommandDefinition("return false") { Keys = 0 });
        client.DefineCommand("r_fraction", new CommandDefinition("return tostring(1.5)") { Keys = 0 });
        client.DefineCommand("r_string", new CommandDefinition("return 'hello'") { Keys = 0 });
        client.DefineCommand("r_strings", new CommandDefinition("return {'a', 'b', 'c'}") { Keys = 0 });
        client.DefineCommand("r_longs", new CommandDefinition("return {1, 2, 3}") { Keys = 0 });
        client.DefineCommand("r_nested", new CommandDefinition("return {1, {2, 'x'}}") { Keys = 0 });
        client.DefineCommand("echo_args", new CommandDefinition("return ARGV") { Keys = 0 });
    }

    [Fact]
    public async Task The_issue_example_runs_fixed_and_dynamic_key_commands()
    {
        DefineChannelScripts(client);
        var db = mux.GetDatabase();
        await db.SetAddAsync(Key("topic"), new RedisValue[] { "a", "b" });
        await db.StringSetAsync(Key("k1"), "one");
        await db.StringSetAsync(Key("k2"), "two");

        IChannelScripts scripts = client.Bind<IChannelScripts>();
        long n = await scripts.PublishToGroup(Key("topic"), "hi");
        var polled = await scripts.PollAsync(Key("topic") + ":queue:a");
        var values = await scripts.MultiGet(2, Key("k1"), Key("k2"));

        Assert.Equal(2, n);
        Assert.Equal("hi", polled);
        Assert.Equal(new RedisValue[] { "one", "two" }, values);
        Assert.Equal(new RedisValue[] { "two" }, await scripts.MultiGet(1, Key("k2")));
        Assert.Contains("IChannelScripts", scripts.ToString());
    }

    [Fact]
    public async Task An_interface_binds_with_the_methods_it_inherits()
    {
        DefineChannelScripts(client);
        await mux.GetDatabase().ListRightPushAsync(Key("q"), new RedisValue[] { "x", "y" });
        var scripts = client.Bind<IExtendedChannelScripts>();

        Assert.Equal("x", await scripts.PollText(Key("q")));
        Assert.Equal("y", await scripts.PollAsync(Key("q")));
        Assert.Null(await scripts.PollText(Key("q"), CancellationToken.None));
        var error = Assert.Throws<ScriptBindingException>(() => TestClients.Create(mux).Bind<IExtendedChannelScripts>());
        Assert.Equal(4, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.StartsWith("IChannelScripts.MultiGet:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Method_names_map_to_commands_by_attribute_or_snake_case_without_the_Async_suffix()
    {
        client.DefineCommand("who_am_i", new CommandDefinition("return 'who_am_i'") { Keys = 0 });
        client.DefineCommand("custom-name", new CommandDefinition("return 'custom-name'") { Keys = 0 });
        client.DefineCommand("get_http_status", new CommandDefinition("return 'get_http_status'") { Keys = 0 });
        var naming = client.Bind<INaming>();

        Assert.Equal("who_am_i", await naming.WhoAmI());
        Assert.Equal("who_am_i", await naming.WhoAmIAsync());
        Assert.Equal("custom-name", await naming.AnythingAtAll());
        Assert.Equal("get_http_status", await naming.GetHTTPStatus());

        // The names of undefined commands show the mapping too.
        var error = Assert.Throws<ScriptBindingException>(() => TestClients.Create(mux).Bind<INaming>());
        Assert.Equal(4, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.Contains("'who_am_i'") && p.Contains("INaming.WhoAmIAsync"));
        Assert.Contains(error.Problems, p => p.Contains("'custom-name'") && p.Contains("INaming.AnythingAtAll"));
        Assert.Contains(error.Problems, p => p.Contains("'get_http_status'"));
    }

    [Fact]
    public async Task Every_supported_return_type_round_trips()
    {
        DefineReturns();
        var r = client.Bind<IReturns>();

        Assert.Equal(42L, await r.AsLong());
        Assert.Equal(42, await r.AsInt());
        Assert.Equal(42L, (long)await r.Raw());
        await r.Plain();
        Assert.True(await r.AsBool());
        Assert.False(await r.FalseFromNil());
        Assert.Equal(1.5, await r.AsDouble());
        Assert.Equal("hello", await r.AsString());
        Assert.Null(await r.NullString());
        Assert.Null(await r.NullLong());
        Assert.Equal(42L, await r.SomeLong());
        Assert.True((await r.NullValue()).IsNull);
        Assert.Equal("hello", await r.Value());
        Assert.Equal(new RedisKey("hello"), await r.Key());
        Assert.Equal("hello"u8.ToArray(), await r.Bytes());
        Assert.Equal(new[] { "a", "b", "c" }, await r.Strings());
        Assert.Equal(new[] { 1L, 2L, 3L }, await r.Longs());
        Assert.Equal(new RedisValue[] { "a", "b", "c" }, await r.Values());
        var nested = await r.Nested();
        Assert.Equal(1, (int)nested[0]);
        Assert.Equal(new[] { "2", "x" }, (string[])nested[1]!);

        // Every parameter type flattens to ARGV in order; arrays expand; a CancellationToken is not sent.
        Assert.Equal(new[] { "s", "7", "8", "2.5", "1", "raw", "v", "k" },
            await r.Echo("s", 7, 8L, 2.5, true, "raw"u8.ToArray(), "v", "k"));
        using var cts = new CancellationTokenSource();
        Assert.Equal(new[] { "a", "b", "c" }, await r.EchoMany("a", cts.Token, "b", "c"));
        Assert.Equal(new[] { "a" }, await r.EchoMany("a", default));

        // The other supported types (ArgumentValue's one set), nullable forms and arrays of them.
        Assert.Equal(new[] { "4294967295", "18446744073709551615", "-3", "2.5", "4", "5" },
            await r.EchoNumbers(uint.MaxValue, ulong.MaxValue, -3, 2.5f, 4, 5L));
        var nullValue = await Assert.ThrowsAsync<ScriptArgumentException>(() => r.EchoNumbers(1, 2, 3, 4f, null));
        Assert.Contains("null argument at position 4", nullValue.Message);
        var nullArray = await Assert.ThrowsAsync<ScriptArgumentException>(() => r.EchoNumbers(1, 2, 3, 4f, 5, null!));
        Assert.Contains("null array for its parameter 'more'", nullArray.Message);
    }

    [Fact]
    public async Task A_reply_that_does_not_fit_the_return_type_is_a_typed_error_naming_the_method()
    {
        DefineReturns();
        var m = client.Bind<IMismatch>();

        var table = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.TableAsLong());
        Assert.Equal("IMismatch.TableAsLong", table.MethodName);
        Assert.Equal("r_longs", table.ScriptName);
        Assert.Equal(typeof(long), table.ExpectedType);
        Assert.Contains("IMismatch.TableAsLong", table.Message);
        Assert.Contains("an array of 3 element(s)", table.Message);
        Assert.IsAssignableFrom<LuaScriptException>(table);

        var nil = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.NilAsLong());
        Assert.Contains("nil", nil.Message);
        Assert.Contains("long?", nil.Message);
        Assert.True(nil.Reply.IsNull);

        var word = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.WordAsLong());
        Assert.Contains("\"hello\"", word.Message);

        var nested = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.NestedAsStrings());
        Assert.Equal("IMismatch.NestedAsStrings", nested.MethodName);
    }

    [Fact]
    public void Bind_lists_every_problem_at_once()
    {
        client.DefineCommand("two_keys", new CommandDefinition("return 1") { Keys = 2 });
        client.DefineCommand("dynamic_keys", new CommandDefinition("return 1"));

        var error = Assert.Throws<ScriptBindingException>(() => client.Bind<IBroken>());

        Assert.Equal(typeof(IBroken), error.InterfaceType);
        Assert.IsAssignableFrom<LuaScriptException>(error);
        Assert.Equal(7, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.StartsWith("IBroken.NotDefinedAnywhere:", StringComparison.Ordinal) && p.Contains("'not_defined_anywhere' is not defined"));
        Assert.Contains(error.Problems, p => p.StartsWith("IBroken.TooFewArguments:", StringComparison.Ordinal) && p.Contains("takes 2 key(s)") && p.Contains("passes 1"));
        Assert.Contains(error.Problems, p => p.StartsWith("IBroken.UnsupportedReturn:", StringComparison.Ordinal) && p.Contains("Task<DateTime>"));
        Assert.Contains(error.Problems, p => p.StartsWith("IBroken.NotATask:", StringComparison.Ordinal) && p.Contains("returns long"));
        Assert.Contains(error.Problems, p => p.StartsWith("IBroken.UnsupportedParameter:", StringComparison.Ordinal) && p.Contains("'what'") && p.Contains("object")
            && p.Contains(ArgumentValue.SupportedArguments));
        Assert.Contains(error.Problems, p => p.StartsWith("IBroken.NoKeyCount:", StringComparison.Ordinal) && p.Contains("dynamic key count"));
        Assert.Contains(error.Problems, p => p.StartsWith("IBroken.MGetAll:", StringComparison.Ordinal) && p.Contains("'m_get_all'"));
        foreach (var problem in error.Problems) Assert.Contains(problem, error.Message);

        var notInterface = Assert.Throws<ScriptBindingException>(() => client.Bind<NotAnInterface>());
        Assert.Contains("not an interface", Assert.Single(notInterface.Problems));
    }

    [Fact]
    public async Task A_binding_belongs_to_its_client_and_nothing_is_added_to_any_type()
    {
        var mine = TestClients.Create(mux);
        var other = TestClients.Create(mux);
        DefineChannelScripts(mine, install: true);
        await mux.GetDatabase().SetAddAsync(Key("topic"), "a");

        var scripts = mine.Bind<IChannelScripts>();
        Assert.Equal(1, await scripts.PublishToGroup(Key("topic"), "hi"));
        Assert.Equal(1, (long)await mine.Commands.publish_to_group(Key("topic"), "hi"));

        var refused = Assert.Throws<ScriptBindingException>(() => other.Bind<IChannelScripts>());
        Assert.Equal(3, refused.Problems.Count);
        Assert.All(refused.Problems, p => Assert.Contains("is not defined on this client", p));
        var unknown = Assert.Throws<UnknownScriptException>(() => { _ = other.Commands.publish_to_group(Key("topic"), "hi"); });
        Assert.Equal("publish_to_group", unknown.ScriptName);
        Assert.Empty(((System.Dynamic.DynamicObject)other.Commands).GetDynamicMemberNames());
        Assert.Equal(new[] { "publish_to_group" }, ((System.Dynamic.DynamicObject)mine.Commands).GetDynamicMemberNames());

        foreach (var type in new[] { typeof(ScriptClient), typeof(ScriptPipeline), ((object)mine.Commands).GetType(), scripts.GetType() })
        {
            var members = type.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static);
            Assert.DoesNotContain(members, m => m.Name.Contains("publish_to_group", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task An_existing_binding_sees_a_redefinition_and_a_removal()
    {
        client.DefineCommand("who_am_i", new CommandDefinition("return 'first'") { Keys = 0 });
        client.DefineCommand("custom-name", new CommandDefinition("return 'x'") { Keys = 0 });
        client.DefineCommand("get_http_status", new CommandDefinition("return 'x'") { Keys = 0 });
        var naming = client.Bind<INaming>();
        Assert.Equal("first", await naming.WhoAmI());

        client.DefineCommand("who_am_i", new CommandDefinition("return 'second'") { Keys = 0 });
        Assert.Equal("second", await naming.WhoAmI());

        client.RemoveCommand("who_am_i");
        var gone = await Assert.ThrowsAsync<UnknownScriptException>(() => naming.WhoAmI());
        Assert.Equal("who_am_i", gone.ScriptName);

        client.DefineCommand("who_am_i", new CommandDefinition("return KEYS[1]") { Keys = 1 });
        var tooFew = await Assert.ThrowsAsync<ScriptArgumentException>(() => naming.WhoAmI());
        Assert.Equal("who_am_i", tooFew.ScriptName);
    }

    [Fact]
    public async Task A_pipeline_bound_interface_queues_and_its_tasks_complete_in_order_after_ExecuteAsync()
    {
        client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        client.DefineCommand("fails", new CommandDefinition("return redis.error_reply('ERR no luck')") { Keys = 1 });
        var pipe = client.Pipeline();
        var counter = pipe.Bind<ICounter>();

        var first = counter.IncrBy(Key("n"), 1);
        pipe.RawCommand("SET", (RedisKey)Key("plain"), "v");
        var second = counter.IncrBy(Key("n"), 10);
        var failed = counter.Fails(Key("n"));
        var third = counter.IncrBy(Key("n"), 100);
        Assert.Equal(5, pipe.Count);
        Assert.False(first.IsCompleted);
        Assert.False(await mux.GetDatabase().KeyExistsAsync(Key("n")));

        var executed = await Assert.ThrowsAsync<PipelineExecutionException>(() => pipe.ExecuteAsync());

        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully && third.IsCompletedSuccessfully);
        Assert.Equal(1, await first);
        Assert.Equal(11, await second);
        Assert.Equal(111, await third);
        var failure = await Assert.ThrowsAsync<ScriptExecutionException>(() => failed);
        Assert.Equal("fails", failure.ScriptName);
        Assert.Contains("no luck", failure.ServerMessage);
        Assert.Equal(3, executed.Failures.Single().Index);
        Assert.Equal("v", await mux.GetDatabase().StringGetAsync(Key("plain")));
    }

    [BatchProfilingFact]
    public async Task A_pipeline_round_is_one_round_trip_with_bound_calls()
    {
        client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        client.DefineCommand("fails", new CommandDefinition("return 1") { Keys = 1 });
        await client.RunScriptAsync("incr", Key("warm"), 1);
        var pipe = client.Pipeline();
        var counter = pipe.Bind<ICounter>();
        var calls = Enumerable.Range(1, 20).Select(i => counter.IncrBy(Key("r"), 1)).ToList();

        var wire = await Wire.Profile(mux, () => pipe.ExecuteAsync());

        Assert.Equal(1, Wire.RoundTrips(wire));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), await Task.WhenAll(calls));
    }

    [Fact]
    public async Task A_transaction_bound_interface_queues_and_completes_after_ExecuteAsync()
    {
        client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        client.DefineCommand("fails", new CommandDefinition("return 1") { Keys = 1 });
        DefineReturns();
        var tx = client.Transaction();
        var counter = tx.Bind<ICounter>();
        var returns = tx.Bind<IReturns>();
        var mismatch = tx.Bind<IMismatch>();

        var a = counter.IncrBy(Key("t"), 5);
        var strings = returns.Strings();
        var wrong = mismatch.TableAsLong();
        var b = counter.IncrBy(Key("t"), 5);
        Assert.False(a.IsCompleted);
        Assert.False((await mux.GetDatabase().KeyExistsAsync(Key("t"))));

        var results = await tx.ExecuteAsync();

        Assert.Equal(4, results.Length);
        Assert.Equal(5, await a);
        Assert.Equal(10, await b);
        Assert.Equal(new[] { "a", "b", "c" }, await strings);
        var conversion = await Assert.ThrowsAsync<ScriptResultConversionException>(() => wrong);
        Assert.Equal("IMismatch.TableAsLong", conversion.MethodName);

        // A call that does not fit throws when it is queued, and queues nothing.
        var tx2 = client.Transaction();
        var naming = tx2.Bind<ICounter>();
        client.RemoveCommand("incr");
        Assert.Throws<UnknownScriptException>(() => { _ = naming.IncrBy(Key("t"), 1); });
        Assert.Equal(0, tx2.Count);
        Assert.Throws<ScriptBindingException>(() => client.Transaction().Bind<ICounter>());
    }

    [Fact]
    public async Task Commands_reaches_installed_commands_only()
    {
        client.DefineCommand("installed_incr", new CommandDefinition(IncrBy) { Keys = 1, Install = true });
        client.DefineCommand("hidden_incr", new CommandDefinition(IncrBy) { Keys = 1 });
        client.DefineCommand("installed_mget", new CommandDefinition("return redis.call('MGET', unpack(KEYS))") { Install = true });
        await mux.GetDatabase().StringSetAsync(Key("x"), "X");

        RedisResult reply = await client.Commands.installed_incr(Key("n"), 5);
        Assert.Equal(5, (long)reply);
        Assert.Equal(7, (long)await client.Commands.installed_incr((RedisKey)Key("n"), 2L));
        var values = (RedisValue[])(await client.Commands.installed_mget(2, new RedisKey[] { Key("x"), Key("missing") }))!;
        Assert.Equal(new RedisValue[] { "X", RedisValue.Null }, values);

        var hidden = Assert.Throws<ScriptNotInstalledException>(() => { _ = client.Commands.hidden_incr(Key("n"), 1); });
        Assert.Equal("hidden_incr", hidden.ScriptName);
        Assert.Contains("Install = true", hidden.Message);
        Assert.IsAssignableFrom<LuaScriptException>(hidden);
        Assert.Throws<UnknownScriptException>(() => { _ = client.Commands.not_defined(); });
        Assert.Throws<ScriptNotInstalledException>(() => { _ = client.Commands.hidden_incr; });

        // Without a call, a member is a delegate that runs the command.
        Func<object?[], Task<RedisResult>> incr = client.Commands.installed_incr;
        Assert.Equal(9, (long)await incr(new object?[] { Key("n"), 2 }));
        var refused = Assert.Throws<ScriptArgumentException>(() => { _ = client.Commands.installed_incr(Key("n"), new object()); });
        Assert.Contains("argument #2 of type Object", refused.Message);
        Assert.Contains(ArgumentValue.SupportedArguments, refused.Message);
        Assert.Throws<ScriptArgumentException>(() => { _ = client.Commands.installed_incr(Key("n"), new object[] { 1, DateTime.Now }); });
        Assert.Equal(9, (long)await mux.GetDatabase().StringGetAsync(Key("n")));

        // The same types as bound methods and typed F# commands: unsigned, short, float, nullable, arrays.
        Assert.Equal(10, (long)await client.Commands.installed_incr(Key("n"), (uint)1));
        Assert.Equal(12, (long)await client.Commands.installed_incr(Key("n"), (short)2));
        Assert.Equal(15, (long)await client.Commands.installed_incr(Key("n"), (ulong?)3));
        Assert.Equal(new RedisValue[] { "X" }, (RedisValue[])(await client.Commands.installed_mget(new object[] { 1, Key("x") }))!);
    }

    [Fact]
    public async Task FSharp_typed_functions_run_decode_and_compose_into_programs()
    {
        var core = ClientModule.Create(mux);
        Assert.True(ClientModule.Define("publish_to_group", PublishToGroup, KeyCount.NewFixed(1), ScriptOptionsModule.Default, core).IsOk);
        Assert.True(ClientModule.Define("r_strings", "return {'a', 'b'}", KeyCount.NewFixed(0), ScriptOptionsModule.Default, core).IsOk);
        await mux.GetDatabase().SetAddAsync(Key("topic"), new RedisValue[] { "a", "b", "c" });

        var int64 = Decode.Int64;
        var text = Decode.String;
        var publish = Typed.Command2<RedisKey, RedisValue, long>(core, "publish_to_group", int64);
        var published = await publish.Invoke(Key("topic")).Invoke("hi");
        Assert.True(published.IsOk);
        Assert.Equal(3L, published.ResultValue);

        var strings = await Typed.Command0(core, "r_strings", Decode.Array(text)).Invoke(null!);
        Assert.Equal(new[] { "a", "b" }, strings.ResultValue);

        var wrong = await Typed.Command0(core, "r_strings", int64).Invoke(null!);
        var reply = Assert.IsType<DecodeError.Reply>(wrong.ErrorValue);
        Assert.Equal("r_strings", reply.name);
        Assert.Contains("expected an integer", reply.message);
        Assert.Contains("'r_strings'", DecodeErrorModule.Describe(wrong.ErrorValue));

        var unknown = await Typed.Command1<string, long>(core, "nope", int64).Invoke("x");
        Assert.IsType<RunError.UnknownCommand>(Assert.IsType<DecodeError.Run>(unknown.ErrorValue).Item);

        // Two typed programs in one round trip.
        var program = Program.Map2(
            FuncConvert.FromFunc<long, FSharpList<string>, string>((n, items) => $"{n}:{string.Join(",", items)}"),
            Typed.Program2<RedisKey, string, long>(core, "publish_to_group", int64).Invoke(Key("topic")).Invoke("again"),
            Typed.Program0(core, "r_strings", Decode.List(text)).Invoke(null!));
        var outcome = await ClientModule.Execute(program, core);
        Assert.Equal("3:a,b", outcome.ResultValue);

        var failing = await ClientModule.Execute(Typed.Program0(core, "r_strings", int64).Invoke(null!), core);
        var failure = Assert.IsType<ExecutionError.CommandFailed>(Assert.Single(failing.ErrorValue));
        Assert.Equal("r_strings", failure.name);
        Assert.Contains("did not decode", failure.message);

        var tried = await ClientModule.Execute(Typed.TryProgram0(core, "nope", int64).Invoke(null!), core);
        Assert.True(tried.IsOk);
        Assert.True(tried.ResultValue.IsError);

        Assert.Throws<ArgumentException>(() => Typed.Command1<DateTime, long>(core, "publish_to_group", int64));
    }

    [Fact]
    public void FSharp_decoders_read_replies_and_name_what_did_not_fit()
    {
        static RedisResult Array(params RedisResult[] items) => RedisResult.Create(items);
        static RedisResult Value(RedisValue value) => RedisResult.Create(value);
        var nil = RedisResult.Create(RedisValue.Null);

        Assert.Equal(5L, Decode.Int64.Invoke(RedisResult.Create(5, ResultType.Integer)).ResultValue);
        Assert.Equal(12L, Decode.Int64.Invoke(Value("12")).ResultValue);
        Assert.Contains("expected an integer, got nil", Decode.Int64.Invoke(nil).ErrorValue);
        Assert.Contains("32 bits", Decode.Int.Invoke(Value(long.MaxValue)).ErrorValue);
        Assert.Equal(1.5, Decode.Float.Invoke(Value("1.5")).ResultValue);
        Assert.True(Decode.Bool.Invoke(RedisResult.Create(1, ResultType.Integer)).ResultValue);
        Assert.False(Decode.Bool.Invoke(nil).ResultValue);
        Assert.True(Decode.Value.Invoke(nil).ResultValue.IsNull);
        Assert.Null(Decode.Optional(Decode.String).Invoke(nil).ResultValue);
        Assert.Equal("s", Decode.Optional(Decode.String).Invoke(Value("s")).ResultValue!.Value);

        var pairs = Decode.Pairs(Decode.String, Decode.Int64).Invoke(Array(Value("a"), Value(1), Value("b"), Value(2))).ResultValue;
        Assert.Equal(new[] { ("a", 1L), ("b", 2L) }, pairs.Select(p => (p.Item1, p.Item2)));
        var bad = Decode.Array(Decode.Int64).Invoke(Array(Value(1), Value("x")));
        Assert.Equal("[1]: expected an integer, got the string \"x\"", bad.ErrorValue);
        var tuple = Decode.Tuple2(Decode.String, Decode.Index(1, Decode.Int64)).Invoke(Array(Value("k"), Array(Value(0), Value(7))));
        Assert.Equal(("k", 7L), (tuple.ResultValue.Item1, tuple.ResultValue.Item2));
        var mapped = Decode.Map(FuncConvert.FromFunc<long, long>(n => n * 2), Decode.Int64).Invoke(Value(21));
        Assert.Equal(42L, mapped.ResultValue);
        var either = Decode.OrElse(Decode.Map(FuncConvert.FromFunc<string, long>(_ => -1L), Decode.String), Decode.Int64).Invoke(Value("nope"));
        Assert.Equal(-1L, either.ResultValue);
    }
}
