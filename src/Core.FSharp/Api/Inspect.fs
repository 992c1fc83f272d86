namespace LuaScripts.Core

open System.Threading
open System.Threading.Tasks

/// Inspecting whether a client's commands are deployed, for health checks and diagnostics.
[<RequireQualifiedAccess>]
module Inspect =

    /// What every server of the client's connection holds of its defined commands, for the backend
    /// calls use now: SCRIPT EXISTS of the commands that run as scripts, FUNCTION LIST of the
    /// library with the Functions backend. Loads nothing and decides nothing (Auto, still undecided,
    /// is inspected as Scripts). <see cref="DeploymentStatus.health"/> reads the result.
    [<CompiledName("Deployment")>]
    let deployment (client: Client) : Task<DeploymentStatus> =
        let backend = Client.activeBackend client
        let scripts = Registry.scripts client.Registry
        let library = if backend = Backend.Functions then Some(Client.functionLibrary client) else None
        Inspection.inspect client.Context backend scripts library

    /// <see cref="deployment"/>, waiting at most until the token is cancelled.
    [<CompiledName("DeploymentCancellable")>]
    let deploymentCancellable (token: CancellationToken) (client: Client) : Task<DeploymentStatus> = (deployment client).WaitAsync(token)
