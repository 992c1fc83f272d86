using System;

namespace LuaScripts;

/// <summary>
/// Marks a <c>partial interface</c> whose implementation the LuaScripts source generator (shipped in the
/// LuaScripts package) writes at compile time: the interface gets <c>Create(ScriptClient)</c>, whose
/// methods run the client's commands, and <c>Create(ScriptPipeline)</c>, whose methods queue them. The
/// methods map to commands exactly as <see cref="ScriptClient.Bind{T}"/> maps them. On a <c>partial class</c>, the
/// generator implements its partial methods that have no body (<c>public partial Task&lt;long&gt; Run(RedisKey key);</c>)
/// and adds the same two <c>Create</c> methods (the class declares no constructor). The
/// methods map to commands exactly as <see cref="ScriptClient.Bind{T}"/> maps them (names,
/// <see cref="ScriptCommandAttribute"/>, snake_case, flattening, <see cref="System.Threading.CancellationToken"/>),
/// without reflection, so the binding is trim- and Native-AOT-safe. Unsupported types, a command with
/// more keys than a method passes and, when the project's <c>.lua</c> files are visible to the generator
/// (as <c>AdditionalFiles</c>), commands no file defines are reported as compile errors (LUAS001-LUAS006).
/// </summary>
[AttributeUsage(AttributeTargets.Interface | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ScriptCommandsAttribute : Attribute
{
}
