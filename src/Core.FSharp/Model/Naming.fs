namespace LuaScripts.Core

open System
open System.Text

/// How .NET names become the names scripts use: a method's command name, a member's field name.
[<RequireQualifiedAccess>]
module Naming =

    /// A PascalCase or camelCase name in snake_case: <c>PublishToGroup</c> → <c>publish_to_group</c>,
    /// <c>GetHTTPStatus</c> → <c>get_http_status</c>, <c>DisplayName</c> → <c>display_name</c>. A name
    /// already in snake_case stays as it is.
    [<CompiledName("SnakeCase")>]
    let snakeCase (name: string) : string =
        let result = StringBuilder(name.Length + 8)
        for i in 0 .. name.Length - 1 do
            let c = name[i]
            if Char.IsUpper c then
                let previous = if i > 0 then name[i - 1] else '_'
                let startsWord =
                    i > 0
                    && previous <> '_'
                    && (Char.IsLower previous
                        || Char.IsDigit previous
                        || (Char.IsUpper previous && i + 1 < name.Length && Char.IsLower name[i + 1]))
                if startsWord then result.Append '_' |> ignore
                result.Append(Char.ToLowerInvariant c) |> ignore
            else
                result.Append c |> ignore
        result.ToString()

    /// The command a method runs by default: its name without an <c>Async</c> suffix, in snake_case
    /// (<c>PublishToGroupAsync</c> → <c>publish_to_group</c>).
    [<CompiledName("CommandOfMethod")>]
    let commandOfMethod (methodName: string) : string =
        let name =
            if methodName.Length > 5 && methodName.EndsWith("Async", StringComparison.Ordinal) then
                methodName.Substring(0, methodName.Length - 5)
            else
                methodName
        snakeCase name
