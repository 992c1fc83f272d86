using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace LuaScripts.Generators;

/// <summary>
/// Writes the readers of composite results (arrays, lists, dictionaries, tuples, records, classes) as
/// private static methods of the interface, each built from ScriptReplies' Leaf, Items, Fields and Pairs.
/// </summary>
internal sealed class ReplyEmitter
{
    private const string Replies = "global::LuaScripts.ScriptReplies";
    private const string Context = "global::LuaScripts.ScriptReplyContext";
    private const string Result = "global::StackExchange.Redis.RedisResult";

    private readonly Dictionary<string, string> readers = new(System.StringComparer.Ordinal);
    private readonly StringBuilder methods = new();
    private int names;

    /// <summary>The expression converting <paramref name="reply"/> (with context <paramref name="context"/>) to the shape's type.</summary>
    internal string Read(ReplyShape shape, string reply, string context)
    {
        if (shape.Kind == ShapeKind.Leaf) return $"{Replies}.Leaf<{shape.Type}>({reply}, {context})";
        if (!readers.TryGetValue(shape.Type, out var reader))
        {
            reader = "__LuaScriptsRead" + readers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            readers[shape.Type] = reader;
            EmitReader(shape, reader);
        }
        return $"{reader}({reply}, {context})";
    }

    /// <summary>The readers written so far (as members of the interface).</summary>
    internal string Members => methods.ToString();

    private void EmitReader(ReplyShape shape, string reader)
    {
        var body = new StringBuilder();
        void Line(string text) => body.Append("        ").AppendLine(text);
        var nil = shape.IsValueType
            ? $"throw new global::LuaScripts.ScriptResultConversionException(__context.Command, __context.Member, typeof({shape.TypeOf}), __reply)"
            : "return null!";
        switch (shape.Kind)
        {
            case ShapeKind.Nullable:
                Line($"if (__reply.IsNull) return null;");
                Line($"return {Read(shape.Parts[0], "__reply", "__context")};");
                break;
            case ShapeKind.Array:
            case ShapeKind.List:
            {
                var element = shape.Parts[0];
                Line($"var __items = {Replies}.Items(__reply, __context);");
                Line($"if (__items is null) {nil};");
                Line(shape.Kind == ShapeKind.Array
                    ? $"var __result = new {ArrayOf(element.Type)};"
                    : $"var __result = new global::System.Collections.Generic.List<{element.Type}>(__items.Length);");
                Line("for (var __i = 0; __i < __items.Length; __i++)");
                var item = Read(element, "__items[__i]", "__context.Item(__i.ToString(global::System.Globalization.CultureInfo.InvariantCulture))");
                Line(shape.Kind == ShapeKind.Array ? $"    __result[__i] = {item};" : $"    __result.Add({item});");
                Line("return __result;");
                break;
            }
            case ShapeKind.Dictionary:
            {
                var value = shape.Parts[0];
                Line($"var __pairs = {Replies}.Pairs(__reply, __context);");
                Line($"if (__pairs is null) {nil};");
                Line($"var __result = new global::System.Collections.Generic.Dictionary<string, {value.Type}>(__pairs.Length);");
                Line($"foreach (var __pair in __pairs) __result[__pair.Key] = {Read(value, "__pair.Value", "__context.Item(__pair.Key)")};");
                Line("return __result;");
                break;
            }
            default:
            {
                var namesField = "__LuaScriptsNames" + (names++).ToString(System.Globalization.CultureInfo.InvariantCulture);
                methods.Append("    private static readonly string[] ").Append(namesField).Append(" = { ")
                    .Append(string.Join(", ", shape.Members.Select(Emitter.Literal))).AppendLine(" };").AppendLine();
                Line($"var __fields = {Replies}.Fields(__reply, {namesField}, __context);");
                Line($"if (__fields is null) {nil};");
                var parts = shape.Parts.Select((p, i) => Read(p, $"__fields[{i}]", $"__context.Field({Emitter.Literal(shape.Members[i])})")).ToList();
                if (shape.Kind == ShapeKind.Tuple)
                {
                    Line($"return ({string.Join(", ", parts)});");
                    break;
                }
                // The members first (their errors name them), then the type's own code: what it throws is a conversion error here.
                for (var i = 0; i < parts.Count; i++) Line($"var __m{i} = {parts[i]};");
                var values = Enumerable.Range(0, parts.Count).Select(i => "__m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Line("try");
                Line("{");
                Line(shape.Kind == ShapeKind.Constructor
                    ? $"    return new {NonNullable(shape.Type)}({string.Join(", ", values)});"
                    : $"    return new {NonNullable(shape.Type)} {{ {string.Join(", ", shape.Members.Select((m, i) => m + " = " + values[i]))} }};");
                Line("}");
                Line("catch (global::System.Exception __e) when (__e is not global::System.OutOfMemoryException)");
                Line("{");
                Line($"    throw new global::LuaScripts.ScriptResultConversionException(__context.Command, __context.Member, typeof({shape.TypeOf}), __reply, __e);");
                Line("}");
                break;
            }
        }
        methods.Append("    private static ").Append(shape.Type).Append(' ').Append(reader).Append('(').Append(Result)
            .Append(" __reply, in ").Append(Context).AppendLine(" __context)");
        methods.AppendLine("    {").Append(body).AppendLine("    }").AppendLine();
    }

    /// <summary><c>new T[__items.Length]</c> for an element type that may itself be an array (<c>T[][]</c>).</summary>
    private static string ArrayOf(string element)
    {
        var bracket = element.IndexOf('[');
        return bracket < 0 ? $"{element}[__items.Length]" : $"{element.Substring(0, bracket)}[__items.Length]{element.Substring(bracket)}";
    }

    private static string NonNullable(string type) => type.EndsWith("?", System.StringComparison.Ordinal) ? type.Substring(0, type.Length - 1) : type;

}
