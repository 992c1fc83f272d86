namespace LuaScripts.Core

open System
open System.Collections.Concurrent
open System.Collections.Generic
open System.Threading
open System.Threading.Tasks

/// What the Functions backend remembers for one client: the plan of the registry version in use,
/// the definitions a server would not compile as functions, and Auto's decision. Thread-safe; the
/// interpreter does the loading.
[<Sealed>]
type internal FunctionState(backend: Backend) =
    // The registry a plan was made for, and the plan (a task: the first caller loads, others wait).
    [<VolatileField>]
    let mutable current: struct (Registry * Task<Plan>) = struct (Unchecked.defaultof<Registry>, null)
    let broken = ConcurrentDictionary<string, string>()
    // 0: undecided; 1: scripts; 2: functions.
    let mutable autoDecision = 0
    let mutable autoReason = ""
    let heals = ConcurrentDictionary<string, Lazy<Task>>(StringComparer.Ordinal)
    let mutable loaded: string = null

    static let key (script: Script) = $"{script.Name}\u0000{script.Sha1}\u0000{script.ReadOnly}"

    /// The backend asked for.
    member _.Backend = backend

    /// Whether the backend may run commands as functions (Functions, or Auto not yet decided against).
    member _.MayUseFunctions =
        match backend with
        | Backend.Scripts -> false
        | Backend.Functions -> true
        | Backend.Auto -> Volatile.Read(&autoDecision) <> 1

    /// Auto's decision: None while undecided (or for another backend), Some(true) for Functions.
    member _.AutoDecision =
        match Volatile.Read(&autoDecision) with
        | 1 -> Some false
        | 2 -> Some true
        | _ -> None

    /// Why Auto chose Scripts ("" otherwise).
    member _.AutoReason = autoReason

    /// Records Auto's decision (the first one stands); true when this one was the first.
    member _.Decide(useFunctions: bool, reason: string) : bool =
        if Interlocked.CompareExchange(&autoDecision, (if useFunctions then 2 else 1), 0) = 0 then
            autoReason <- reason
            true
        else
            false

    /// Why the server would not compile a definition as a function, if it would not.
    member _.BrokenReason(script: Script) : string option =
        match broken.TryGetValue(key script) with
        | true, reason -> Some reason
        | _ -> None

    /// Records that the server would not compile a definition as a function; it runs as a script.
    member _.MarkBroken(script: Script, reason: string) = broken[key script] <- reason

    /// The plan in use when it was made for this very registry version (null otherwise): the hot
    /// path, with nothing allocated.
    member _.ReadyFor(registry: Registry) : Task<Plan> =
        let struct (r, t) = current
        if obj.ReferenceEquals(r, registry) && not (isNull t) && t.IsCompletedSuccessfully then t else null

    /// The plan for a registry version: the one in use when it is for the same registry, else the
    /// one `make` starts (shared by concurrent callers). A plan that failed is forgotten, so the next
    /// call tries again.
    member _.PlanFor(registry: Registry, make: Registry -> Task<Plan>) : Task<Plan> =
        let struct (r, t) = current
        if obj.ReferenceEquals(r, registry) && not (isNull t) && not t.IsFaulted && not t.IsCanceled then
            t
        else
            lock broken (fun () ->
                let struct (r, t) = current
                if obj.ReferenceEquals(r, registry) && not (isNull t) && not t.IsFaulted && not t.IsCanceled then
                    t
                else
                    let started = make registry
                    current <- struct (registry, started)
                    started)

    /// Installs a plan made elsewhere (by a preload) for a registry version.
    member _.Install(registry: Registry, plan: Plan) = lock broken (fun () -> current <- struct (registry, Task.FromResult plan))

    /// Records the library version this client has just loaded; returns the one it loaded before (null if none).
    member _.Loaded(library: string) : string = Interlocked.Exchange(&loaded, library)

    /// The plan in use when it is ready, for reporting; None while loading or never made.
    member _.Current: Plan option =
        let struct (_, t) = current
        if not (isNull t) && t.IsCompletedSuccessfully then Some t.Result else None

    /// Runs `heal` once for concurrent callers healing the same library. A heal that has finished is
    /// never joined, even before its entry is removed: its load may have run before the flush the
    /// caller just met (then the caller's FCALL would miss the library again and "Function not found"
    /// would reach it).
    member _.Heal(library: string, heal: unit -> Task) : Task =
        let k = library
        // Lazy<Task> built directly: F#'s `lazy` goes through LazyExtensions.Create<'T>, which trim-warns (IL2091).
        let created = Lazy<Task>(Func<Task>(heal), LazyThreadSafetyMode.ExecutionAndPublication)
        let mutable shared = heals.GetOrAdd(k, created)
        while not (obj.ReferenceEquals(shared, created)) && shared.IsValueCreated && shared.Value.IsCompleted do
            heals.TryRemove(KeyValuePair(k, shared)) |> ignore
            shared <- heals.GetOrAdd(k, created)
        let t = shared.Value
        if obj.ReferenceEquals(shared, created) then
            t.ContinueWith(
                (fun (_: Task) -> heals.TryRemove(KeyValuePair(k, created)) |> ignore),
                TaskContinuationOptions.ExecuteSynchronously
            )
            |> ignore
        t

/// The function library could not be loaded on these servers (raised inside the interpreter; the
/// caller sees <see cref="ExecutionError.LibraryNotLoaded"/>).
exception internal LibraryLoadFailed of library: string * failures: NodeFailure list
