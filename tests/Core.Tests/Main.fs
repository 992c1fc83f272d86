/// Entry point: runs every test of the assembly with Expecto, then stops the shared redis-server.
module LuaScripts.Core.Tests.Main

open Expecto

[<EntryPoint>]
let main argv =
    try
        Tests.runTestsInAssemblyWithCLIArgs [] argv
    finally
        Server.stop ()
