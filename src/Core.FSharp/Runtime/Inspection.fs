namespace LuaScripts.Core

open System
open System.Net
open System.Threading.Tasks
open StackExchange.Redis

/// What one server holds of a client's commands, as an inspection found it.
type ServerDeployment =
    {
        /// The server.
        EndPoint: EndPoint
        /// Whether the server is a replica.
        IsReplica: bool
        /// Whether the connection to the server is up.
        IsConnected: bool
        /// The defined commands the server lacks, in ordinal order: a script not in its script cache,
        /// or a command of a function library it does not hold (or holds with other code).
        Missing: string list
        /// Why a connected server could not be inspected (its error reply, or the failure reaching
        /// it); <c>None</c> when it answered.
        Failure: string option
    }

/// What a health check concludes from a <see cref="DeploymentStatus"/>.
[<RequireQualifiedAccess>]
type DeploymentHealth =
    /// Every server is connected and holds every defined command.
    | Healthy
    /// Every server is connected, but some lack commands (calls still work: they load what is
    /// missing first) or could not be inspected.
    | Degraded
    /// No server is connected, or some server of the connection is down.
    | Unhealthy

/// Whether the servers of a client's connection hold its defined commands: one entry per server.
/// Immutable; made by <c>Inspect.deployment</c>, which loads nothing.
type DeploymentStatus =
    {
        /// The backend inspected: the one calls use now (Scripts or Functions).
        Backend: Backend
        /// With the Functions backend, the name of the library looked for; <c>None</c> with Scripts
        /// (or when no command runs as a function).
        Library: string option
        /// The defined commands, in ordinal order.
        Commands: string list
        /// Every server of the connection, in the multiplexer's order.
        Servers: ServerDeployment list
    }

/// Reading a <see cref="DeploymentStatus"/>.
[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module DeploymentStatus =

    /// Unhealthy when no server is known or one is not connected; Degraded when a server lacks a
    /// command or could not be inspected; Healthy otherwise.
    [<CompiledName("Health")>]
    let health (status: DeploymentStatus) : DeploymentHealth =
        if status.Servers.IsEmpty || status.Servers |> List.exists (fun s -> not s.IsConnected) then DeploymentHealth.Unhealthy
        elif status.Servers |> List.exists (fun s -> not s.Missing.IsEmpty || s.Failure.IsSome) then DeploymentHealth.Degraded
        else DeploymentHealth.Healthy

    /// A sentence naming every server that is down, lacks commands (and which) or could not be
    /// inspected; or saying that every server holds every command.
    [<CompiledName("Describe")>]
    let describe (status: DeploymentStatus) : string =
        let name (s: ServerDeployment) = EndPointCollection.ToString s.EndPoint
        let problems =
            [ for s in status.Servers do
                  if not s.IsConnected then
                      $"{name s} is not connected"
                  else
                      match s.Failure with
                      | Some reason -> $"{name s} could not be inspected: {reason}"
                      | None when not s.Missing.IsEmpty ->
                          let commands = s.Missing |> List.map (fun c -> $"'{c}'") |> String.concat ", "
                          $"{name s} lacks {commands}"
                      | None -> () ]
        let backend =
            match status.Library with
            | Some library -> $"Functions backend, library {library}"
            | None -> "Scripts backend"
        if status.Servers.IsEmpty then $"No server is known to the connection ({backend})."
        elif problems.IsEmpty then $"{status.Servers.Length} server(s) hold all {status.Commands.Length} command(s) ({backend})."
        else $"""{String.Join("; ", problems)} ({backend})."""

    /// The scripts a SCRIPT EXISTS reply (one 1 or 0 per digest, in order) says are missing.
    let internal missingScripts (scripts: Script list) (reply: RedisResult) : string list =
        let found: RedisResult[] = RedisResult.op_Explicit reply
        List.zip scripts (Array.toList found) |> List.choose (fun (s, r) -> if int64 r = 1L then None else Some s.Name)

    /// The commands of a library a FUNCTION LIST ... WITHCODE reply says are missing: none when the
    /// reply holds the library under its name with exactly its code; all of them otherwise.
    let internal missingFunctions (library: FunctionLibrary) (reply: RedisResult) : string list =
        let libraries: RedisResult[] = RedisResult.op_Explicit reply
        let holds =
            libraries
            |> Array.exists (fun entry ->
                let fields = entry.ToDictionary()
                let text key =
                    match fields.TryGetValue key with
                    | true, v -> string v
                    | _ -> null
                text "library_name" = library.Name && text "library_code" = library.Code)
        if holds then [] else library.Functions |> Map.toList |> List.map fst

/// Inspecting what the servers hold of a client's commands, loading nothing.
[<RequireQualifiedAccess>]
module internal Inspection =

    /// Asks every server of the connection, in parallel: SCRIPT EXISTS of the commands that run as
    /// scripts and, when a library holds some commands, FUNCTION LIST of that library.
    let inspect (context: Context) (backend: Backend) (scripts: Script list) (library: FunctionLibrary option) : Task<DeploymentStatus> =
        task {
            let scripts = scripts |> List.sortWith (fun a b -> String.CompareOrdinal(a.Name, b.Name))
            let library = library |> Option.filter (fun l -> not l.Functions.IsEmpty)
            let asScripts =
                match library with
                | Some l -> scripts |> List.filter (fun s -> not (l.Functions.ContainsKey s.Name))
                | None -> scripts
            let ask (server: IServer) : Task<ServerDeployment> =
                task {
                    let entry =
                        { EndPoint = server.EndPoint
                          IsReplica = server.IsReplica
                          IsConnected = server.IsConnected
                          Missing = []
                          Failure = None }
                    if not server.IsConnected then
                        return entry
                    else
                        let scriptReply =
                            if asScripts.IsEmpty then
                                Task.FromResult(Settled.Answered(RedisResult.Create(Array.empty<RedisResult>)))
                            else
                                Wire.settle (Wire.scriptExists server (asScripts |> List.map (fun s -> s.Sha1) |> List.toArray))
                        let libraryReply =
                            match library with
                            | Some l -> Wire.settle (Wire.functionList server l.Name) |> Some
                            | None -> None
                        let! scriptsSettled = scriptReply
                        let! librarySettled =
                            match libraryReply with
                            | Some t -> t
                            | None -> Task.FromResult(Settled.Answered(RedisResult.Create(Array.empty<RedisResult>)))
                        let failureOf settled =
                            match settled with
                            | Settled.Refused(message, _) -> Some message
                            | Settled.Cancelled -> Some "cancelled"
                            | Settled.Broken e -> Some e.Message
                            | Settled.Answered _ -> None
                        match failureOf scriptsSettled, failureOf librarySettled with
                        | Some reason, _
                        | None, Some reason -> return { entry with Failure = Some reason }
                        | None, None ->
                            let fromScripts =
                                match scriptsSettled with
                                | Settled.Answered r when not asScripts.IsEmpty -> DeploymentStatus.missingScripts asScripts r
                                | _ -> []
                            let fromLibrary =
                                match library, librarySettled with
                                | Some l, Settled.Answered r -> DeploymentStatus.missingFunctions l r
                                | _ -> []
                            let missing = fromScripts @ fromLibrary |> List.sortWith (fun a b -> String.CompareOrdinal(a, b))
                            return { entry with Missing = missing }
                }
            let! servers = Task.WhenAll(context.Multiplexer.GetServers() |> Array.map ask)
            return
                { Backend = backend
                  Library = library |> Option.map (fun l -> l.Name)
                  Commands = scripts |> List.map (fun s -> s.Name)
                  Servers = List.ofArray servers }
        }
