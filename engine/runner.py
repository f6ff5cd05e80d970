"""Runs ONE step in the current process: inputs from the datastore, the module function, outputs
back to the datastore, a StepResult out. Used inside pool workers and fresh children, and in tests."""
from __future__ import annotations

import errno
import io
import os
import resource
import sys
import time
import traceback
from collections.abc import Mapping
from typing import Any, Callable

from engine.datastore import ArtifactMissing, Datastore, is_disk_full, open_datastore
from engine.framecache import MB, FrameCache, frame_bytes
from engine.stepspec import StepEvent, StepResult, StepSpec
from engine.targets import limits
from modules_catalog.columns import resolve_params
from modules_catalog.registry import load_builtins, registry

Emit = Callable[[StepEvent], None]



class StepContext:
    """The `ctx` a module function receives (see modules_catalog/context.py)."""

    def __init__(self, spec: StepSpec, emit: Emit, datastore: Datastore, frames: FrameCache | None = None) -> None:
        self.seed = spec.seed
        self.workdir = spec.workdir
        self.metrics: list[dict[str, Any]] = []
        self._attempt = spec.attempt_id
        self._emit = emit
        self._datastore = datastore
        self._frames = frames
        self._trusted = not spec.user_code  # a built-in: keeps the rule that it never modifies its inputs
        self.handed_out: dict[int, tuple[Any, str]] = {}
        self._owned: dict[int, Any] = {}
        self.from_memory_bytes = 0  # inputs taken from the worker's frame cache instead of the datastore

    def log(self, message: str) -> None:
        # stdout is the step's log file inside a worker; the event serves in-process callers
        print(message, flush=True)
        self._emit({"kind": "log", "attempt_id": self._attempt, "text": f"{message}\n"})

    def metric(self, name: str, value: float, step: int | None = None) -> None:
        value = float(value)
        self.metrics.append({"name": str(name), "value": value, "step": step})
        self._emit({"kind": "metric", "attempt_id": self._attempt, "name": str(name), "value": value, "step": step})

    def progress(self, fraction: float, message: str = "") -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        self._emit({"kind": "progress", "attempt_id": self._attempt, "fraction": fraction, "message": str(message)})

    def dataset(self, ref: dict[str, Any]) -> Any:
        return self.load_frame(ref["digest"])

    def load_frame(self, digest: str, *, own: bool = False) -> Any:
        """The DataFrame stored as `digest`, from the frame cache when it holds it. A built-in
        that returns this very object unchanged has it recorded under `digest` again instead of
        rewritten (not user code: it may modify it in place). `own`: the step takes the frame
        over (out of the cache, never put back), and `owns()` says so."""
        df = None
        if self._frames is not None:
            df = self._frames.take(digest) if own else self._frames.get(digest)
        if df is not None:
            self.from_memory_bytes += frame_bytes(df)
        else:
            df = self._datastore.load(digest, "DataFrame")
            if self._frames is not None and not own:
                self._frames.put(digest, df)
        if own:
            self._owned[id(df)] = df
        elif self._trusted:
            self.handed_out[id(df)] = (df, digest)
        return df

    def owns(self, df: Any) -> bool:
        return self._owned.get(id(df)) is df

    def stored_as(self, value: Any) -> str | None:
        """The digest of `value` when it is a frame `load_frame()` handed to a built-in and
        returned unchanged (Import Data, Pass Through): storing it again would rewrite the same bytes."""
        held = self.handed_out.get(id(value))
        return held[1] if held is not None and held[0] is value else None


class StepFailure(Exception):
    """A step that cannot run as declared (missing input, missing output): not a code crash."""


class DatastoreFailed(Exception):
    """The datastore failed to read an input or store an output (an I/O error that is neither a
    missing or corrupt artifact nor a full disk): an infrastructure failure, not the step's code."""


def _datastore_io(exc: OSError, doing: str) -> None:
    """Raise DatastoreFailed for `exc`, met while `doing` datastore I/O, when it is an I/O error
    (not a missing or corrupt artifact, not a full disk); otherwise let `exc` go on."""
    if not isinstance(exc, ArtifactMissing) and not is_disk_full(exc):
        raise DatastoreFailed(f"the datastore failed while {doing}: {describe(exc)}") from exc


def run_step(spec: StepSpec, emit: Emit, frames: FrameCache | None = None,
             isolate: Callable[[], Datastore] | None = None) -> StepResult:
    """Execute `spec` here and now; never raises for the step's own failure. `frames`: the pool
    worker's frame cache (built-ins only), read for inputs and filled with every DataFrame output.
    `isolate`: called once the inputs are loaded and before the module runs (a user-code child drops
    its privileges there, engine/targets/isolation.py); it returns the store the outputs go to."""
    started = time.perf_counter()
    base = current_rss_mb()
    ctx: StepContext | None = None
    try:
        load_builtins()
        if isolate is not None:  # no user code may run before the drop: not even a module's import
            ds = open_datastore(spec.datastore)
            ctx = StepContext(spec, emit, ds, None)
            mod, inputs, ds = _isolated_inputs(spec, ds, ctx, isolate)
            return _finish(spec, mod, inputs, ctx, ds, None, started, base)
        mod = _custom_module(spec) if spec.code else registry.get(spec.module, spec.version)
        ds = open_datastore(spec.datastore)
        if mod.user_code:
            frames = None  # defence in depth: user code never shares frames with anyone
        if spec.user_code:  # its own process: a custom module's objects on its inputs can be unpickled
            from modules_catalog.custom import allow_stored_imports

            allow_stored_imports(spec.datastore, spec.workdir)
        ctx = StepContext(spec, emit, ds, frames)
        try:
            inputs = _load_inputs(mod, spec, ds, ctx)
        except OSError as exc:
            _datastore_io(exc, "reading the step's inputs")
            raise
        limits.trim_heap()  # the Arrow buffers of the load are freed: give them back before the module runs
        limits.pin_threads()  # OpenMP and BLAS to the step's share of the cores (the zygote loaded them unpinned)
        return _finish(spec, mod, inputs, ctx, ds, frames, started, base)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a result, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        return _failed(exc, ctx, started, base)


def _finish(spec: StepSpec, mod: Any, inputs: dict[str, Any], ctx: StepContext, ds: Datastore,
            frames: FrameCache | None, started: float, base: float) -> StepResult:
    try:
        # a rule-set column selection becomes the names it selects from the actual input frame
        value = mod.fn(ctx, **inputs, **resolve_params(mod, spec.params, inputs))
        produced = _normalise(mod, value)
        try:
            outputs = {name: _store(ds, ctx, val, mod.output(name).type.value, frames) for name, val in produced.items()}
        except OSError as exc:
            _datastore_io(exc, "storing the step's outputs")
            raise
        return StepResult(
            status="succeeded",
            outputs=outputs,
            metrics=ctx.metrics,
            duration=time.perf_counter() - started,
            peak_rss_mb=peak_rss_mb(),
            base_rss_mb=base,
            from_memory_mb=ctx.from_memory_bytes / MB,
        )
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a result, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        return _failed(exc, ctx, started, base)


def _failed(exc: BaseException, ctx: StepContext | None, started: float, base: float) -> StepResult:
    disk = is_disk_full(exc)
    return StepResult(
        status="failed",
        metrics=ctx.metrics if ctx else [],
        error=f"no space left on device ({describe(exc)})" if disk else describe(exc),
        traceback=format_traceback(exc),
        reason=("memory" if is_memory_error(exc) else "disk" if disk
                else "infrastructure" if isinstance(exc, DatastoreFailed) else "error"),
        duration=time.perf_counter() - started,
        peak_rss_mb=peak_rss_mb(),
        base_rss_mb=base,
        from_memory_mb=ctx.from_memory_bytes / MB if ctx else 0.0,
    )


class _Deferred:
    """A pickled input opened (as root) before the drop and unpickled after it: unpickling runs
    code the pickle names, which must not run with the server's rights."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh

    def load(self) -> Any:
        import pickle

        with self.fh:
            return pickle.load(self.fh)


class _PreparedImports:
    """Custom modules a pickled input names, unpacked into the work folder before the drop (their
    stored files are out of reach after it) and imported from there when it is unpickled."""

    def __init__(self) -> None:
        self.specs: dict[str, Any] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        return self.specs.get(fullname)


def _prepare_stored_imports(spec: StepSpec, data: bytes) -> None:
    import re

    names = {m.decode() for m in re.findall(rb"gw_custom_[0-9a-f]{16}", data)}
    if not names:
        return
    from modules_catalog.custom import _StoredModules

    prepared = next((f for f in sys.meta_path if isinstance(f, _PreparedImports)), None)
    if prepared is None:
        prepared = _PreparedImports()
        sys.meta_path.append(prepared)
    finder = _StoredModules(spec.datastore, spec.workdir)
    for name in names:
        found = finder.find_spec(name)  # reads and unpacks as root; runs none of its code
        if found is not None:
            prepared.specs[name] = found


def _isolated_inputs(spec: StepSpec, ds: Datastore, ctx: StepContext, isolate: Callable[[], Datastore]):
    """A user-code step whose process drops its privileges (engine/targets/isolation.py): read what
    it needs from the datastore first (a custom module's stored bytes, its DataFrames, its pickles
    and files opened or copied), run none of its code, drop, then import and unpickle."""
    import shutil

    stored = None
    if spec.code:
        if not spec.user_code:
            raise StepFailure(f"{spec.module}@{spec.version} is a custom module: it runs only as user code, "
                              "in a process of its own")
        from modules_catalog.custom import read_stored

        os.makedirs(spec.workdir, exist_ok=True)
        stored = read_stored(spec.datastore, spec.code)
        mod = None
    else:
        mod = registry.get(spec.module, spec.version)  # a built-in's import runs no user code
    digests = [ref.get("digest") for ref in spec.inputs.values()]
    raw: dict[str, Any] = {}
    for name, ref in spec.inputs.items():
        kind = ref.get("kind") or "DataFrame"
        digest = str(ref["digest"])
        if kind == "DataFrame":
            raw[name] = ctx.load_frame(digest, own=digests.count(digest) == 1)
        elif kind == "Metrics":
            raw[name] = ds.load(digest, kind)
        elif kind == "AnyFile":
            folder = os.path.join(spec.workdir, ".inputs")
            os.makedirs(folder, exist_ok=True)
            suffix = str(ds.meta(digest).get("suffix") or "")
            copy = os.path.join(folder, digest + (suffix if suffix[1:].isalnum() else ""))
            with ds.open(digest) as fin, open(copy, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
            raw[name] = copy
        else:
            with ds.open(digest) as fh:
                data = fh.read()
            raw[name] = _Deferred(io.BytesIO(data))
            _prepare_stored_imports(spec, data)
    limits.trim_heap()
    limits.pin_threads()
    out = isolate()
    if stored is not None:
        from modules_catalog.custom import load_for_step

        mod = load_for_step(spec.datastore, spec.code, spec.module, spec.version, spec.workdir, stored=stored)
    inputs: dict[str, Any] = {}
    for port in mod.inputs:
        if port.name not in raw:
            if not port.optional:
                raise StepFailure(f"required input {port.name!r} of {mod.ref} is not connected")
            continue
        value = raw[port.name]
        inputs[port.name] = value.load() if isinstance(value, _Deferred) else value
    unknown = set(spec.inputs) - {p.name for p in mod.inputs}
    if unknown:
        raise StepFailure(f"{mod.ref} has no input port(s) {sorted(unknown)}")
    return mod, inputs, out


def _custom_module(spec: StepSpec) -> Any:
    """A custom module, loaded from its stored, hash-checked files in this (the step's own) process."""
    if not spec.user_code:
        raise StepFailure(f"{spec.module}@{spec.version} is a custom module: it runs only as user code, in a "
                          "process of its own")
    from modules_catalog.custom import load_for_step

    os.makedirs(spec.workdir, exist_ok=True)
    return load_for_step(spec.datastore, spec.code, spec.module, spec.version, spec.workdir)


def _store(ds: Datastore, ctx: StepContext, value: Any, kind: str, frames: FrameCache | None) -> dict[str, Any]:
    if kind != "DataFrame":
        return ds.put(value, kind).as_json()
    digest = ctx.stored_as(value)
    stored = ds.stored(digest, kind) if digest is not None else ds.put(value, kind)
    if frames is not None:
        frames.put(stored.digest, value)
    return stored.as_json()


def _load_inputs(mod: Any, spec: StepSpec, ds: Datastore, ctx: StepContext) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    digests = [ref.get("digest") for ref in spec.inputs.values()]
    for port in mod.inputs:
        ref = spec.inputs.get(port.name)
        if ref is None:
            if not port.optional:
                raise StepFailure(f"required input {port.name!r} of {mod.ref} is not connected")
            continue
        kind = ref.get("kind") or port.type.value
        if kind == "DataFrame":
            # an owned port gets a frame of its own, unless the same data also feeds another port
            own = port.owned and digests.count(ref["digest"]) == 1
            inputs[port.name] = ctx.load_frame(ref["digest"], own=own)
        else:
            inputs[port.name] = ds.load(ref["digest"], kind)
    unknown = set(spec.inputs) - {p.name for p in mod.inputs}
    if unknown:
        raise StepFailure(f"{mod.ref} has no input port(s) {sorted(unknown)}")
    return inputs


def _normalise(mod: Any, value: Any) -> dict[str, Any]:
    """Map output port -> value; a module with one output may return the bare value."""
    names = [p.name for p in mod.outputs]
    if not names:
        return {}
    if len(names) == 1 and not (isinstance(value, Mapping) and set(value) == {names[0]}):
        value = {names[0]: value}
    if not isinstance(value, Mapping):
        raise StepFailure(f"{mod.ref} must return a mapping of its outputs {names}, got {type(value).__name__}")
    unknown = set(value) - set(names)
    if unknown:
        raise StepFailure(f"{mod.ref} returned undeclared output(s) {sorted(map(str, unknown))}")
    produced = {}
    for port in mod.outputs:
        val = value.get(port.name)
        if val is None:
            if port.optional:
                continue
            raise StepFailure(f"{mod.ref} did not produce its output {port.name!r}")
        produced[port.name] = val
    return produced


def describe(exc: BaseException) -> str:
    name = type(exc).__name__
    message = str(exc)
    if isinstance(exc, MemoryError) and not message:
        message = "out of memory"
    return f"{name}: {message}" if message else name


def is_memory_error(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM)


def format_traceback(exc: BaseException) -> str:
    """The traceback without the runner's own frames, so the user's code comes first."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__ and tb.tb_next is not None:
        tb = tb.tb_next
    try:
        return "".join(traceback.format_exception(type(exc), exc, tb))
    except Exception:  # formatting must never hide the failure itself
        return describe(exc)


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return round(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024), 1)
    except OSError:
        return 0.0


def peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024, 1)
