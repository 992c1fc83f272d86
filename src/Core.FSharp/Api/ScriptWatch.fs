namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.IO
open System.Threading
open System.Threading.Tasks

/// What one reload of a watched directory did: the commands it defined or changed and the ones it
/// removed (their file is gone), or every problem that kept the previous definitions.
[<RequireQualifiedAccess>]
type ReloadOutcome =
    /// The files define these commands now: `Changed` were (re)defined, `Removed` were removed.
    | Reloaded of changed: string list * removed: string list
    /// The files as they are now define nothing; the previous definitions stay.
    | Failed of problems: ScriptFileError list

/// A directory being watched (see <see cref="ScriptWatch.watchDirectory"/>): dispose it to stop.
[<Sealed>]
type DirectoryWatch internal (path: string, client: Client, debounce: TimeSpan, owned: Set<string>, onReload: ReloadOutcome -> unit) =
    let gate = obj ()
    let mutable owned = owned
    let mutable disposed = false
    let mutable reloads = 0
    let watcher = new FileSystemWatcher(path)

    /// Re-reads the directory and applies it all or nothing: commands whose definition changed are
    /// redefined, commands of files now gone removed, in one registry change.
    let reload () =
        lock gate (fun () ->
            if not disposed then
                let outcome =
                    try
                        match ScriptSources.readDirectory path with
                        | Error e -> ReloadOutcome.Failed [ e ]
                        | Ok files ->
                            match ScriptFiles.define files with
                            | Error problems -> ReloadOutcome.Failed problems
                            | Ok scripts ->
                                let same (a: Script) (b: Script) = a.Sha1 = b.Sha1 && a.KeyCount = b.KeyCount && a.Options = b.Options
                                let names = scripts |> List.map Script.name |> Set.ofList
                                let removed = Set.difference owned names |> Set.toList
                                let mutable changed = []
                                client.Update(fun registry ->
                                    changed <-
                                        scripts
                                        |> List.filter (fun s ->
                                            match Registry.tryFind s.Name registry with
                                            | Some current -> not (same current s)
                                            | None -> true)
                                    let registry = removed |> List.fold (fun r n -> Registry.remove n r) registry
                                    changed |> List.fold (fun r s -> Registry.define s r) registry)
                                |> ignore
                                owned <- names
                                ReloadOutcome.Reloaded(changed |> List.map Script.name, removed)
                    with e ->
                        ReloadOutcome.Failed [ ScriptFileError.Unreadable(path, e.Message) ]
                reloads <- reloads + 1
                match outcome with
                | ReloadOutcome.Reloaded([], []) -> ()
                | ReloadOutcome.Reloaded(changed, removed) -> client.Context.Log.CommandsReloaded(path, changed, removed)
                | ReloadOutcome.Failed problems ->
                    client.Context.Log.CommandsReloadFailed(path, problems |> List.map ScriptFileError.describe)
                try
                    onReload outcome
                with _ ->
                    ())

    // Nothing may escape on the timer's thread (it would end the process): a logger that throws is ignored.
    let timer =
        new Timer(
            (fun _ ->
                try
                    reload ()
                with _ ->
                    ()),
            null,
            Timeout.Infinite,
            Timeout.Infinite
        )

    let schedule () =
        try
            if not (Volatile.Read(&disposed)) then timer.Change(debounce, Timeout.InfiniteTimeSpan) |> ignore
        with :? ObjectDisposedException ->
            ()

    do
        watcher.IncludeSubdirectories <- true
        watcher.NotifyFilter <- NotifyFilters.FileName ||| NotifyFilters.DirectoryName ||| NotifyFilters.LastWrite ||| NotifyFilters.Size
        let onEvent = FileSystemEventHandler(fun _ _ -> schedule ())
        watcher.Changed.AddHandler onEvent
        watcher.Created.AddHandler onEvent
        watcher.Deleted.AddHandler onEvent
        watcher.Renamed.AddHandler(RenamedEventHandler(fun _ _ -> schedule ()))
        // A lost burst (the watcher's buffer overflowed) still ends in a reload of everything.
        watcher.Error.AddHandler(ErrorEventHandler(fun _ _ -> schedule ()))
        watcher.EnableRaisingEvents <- true

    /// The directory watched (full path).
    member _.Path = path

    /// How many reloads ran (each one after a burst of file events has settled).
    member _.Reloads = Volatile.Read(&reloads)

    /// Stops watching; a reload running finishes, none starts after. The commands stay defined.
    member _.Dispose() =
        // Waits for a reload in progress; none starts after. The watcher and timer are disposed
        // outside the lock, so that an event handler waiting for it is never waited for in turn.
        let first =
            lock gate (fun () ->
                let first = not disposed
                disposed <- true
                first)
        if first then
            watcher.EnableRaisingEvents <- false
            watcher.Dispose()
            timer.Dispose()

    interface IDisposable with
        member this.Dispose() = this.Dispose()

    interface IAsyncDisposable with
        member this.DisposeAsync() =
            this.Dispose()
            ValueTask.CompletedTask

/// Watch mode: a directory's commands defined again when its files change, for development.
[<RequireQualifiedAccess>]
module ScriptWatch =

    /// How long a directory must stay quiet after a file event before it is reloaded: editors write
    /// a file several times when saving, and a burst of events makes one reload.
    [<CompiledName("DefaultDebounce")>]
    let defaultDebounce = TimeSpan.FromMilliseconds 250.0

    /// Defines the commands of a directory (as <see cref="ScriptSources.defineFromDirectory"/>, all
    /// or nothing) and watches it, folders included: when its files change, once they stay quiet for
    /// `debounce`, the whole directory is read and defined again, all or nothing. Commands whose
    /// definition changed are redefined (the next call sends the new body, on either backend),
    /// commands whose file is gone are removed, and it is logged (CommandsReloaded); a set of files
    /// that does not define keeps every previous definition and logs every problem
    /// (CommandsReloadFailed). `onReload` is called after each reload (for tests and tools; it must
    /// not block). Dispose the watch to stop. The first definition's problems are returned, and
    /// nothing is watched then.
    [<CompiledName("WatchDirectory")>]
    let watchDirectory
        (debounce: TimeSpan)
        (onReload: ReloadOutcome -> unit)
        (path: string)
        (client: Client)
        : Result<DirectoryWatch, ScriptFileError list> =
        if debounce < TimeSpan.Zero || debounce > TimeSpan.FromMinutes 10.0 then
            Error [ ScriptFileError.Unreadable(string path, $"the debounce {debounce} is not between 0 and 10 minutes") ]
        else
            match ScriptSources.defineFromDirectory path client with
            | Error e -> Error e
            | Ok scripts ->
                let owned = scripts |> List.map Script.name |> Set.ofList
                let onReload = if isNull (box onReload) then ignore else onReload
                try
                    Ok(new DirectoryWatch(Path.GetFullPath path, client, debounce, owned, onReload))
                with
                | :? IOException
                | :? ArgumentException
                | :? PlatformNotSupportedException as e ->
                    Error [ ScriptFileError.Unreadable(path, $"the directory cannot be watched: {e.Message}") ]
