using System;
using LuaScripts.Tool;

return await Check.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
