"""Custom modules: a user's Python file (or zip of files) declaring modules with the same `@module`
as the built-ins. No Django here: the web process calls `inspect_upload` and `store`, the step's own
process calls `load_for_step`.

The web and engine processes never import a custom module. Its declaration is read by a child
(`python -I -B`, scrubbed environment, cwd in a temporary folder, CPU/memory/file-size limits, a
wall-clock timeout, its whole process group killed past it) that imports the file and prints the
declared specs as JSON; an audit hook there refuses starting processes, signalling, networking and
writing outside its folder while the file is imported (defence in depth: the process boundary is
the isolation). Steps of a custom module are user code: each runs in a fresh child that checks the
stored bytes against their SHA-256, unpacks them into its work folder and imports them there.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from . import spec as spec_module
from .spec import ModuleSpec, Param, ParamKind, Port, PortType

MAX_PY_BYTES = 1 << 20  # a single .py upload
MAX_ZIP_BYTES = 5 << 20  # a zip upload
MAX_ZIP_MEMBERS = 200
MAX_UNZIPPED_BYTES = 20 << 20  # all members of a zip, uncompressed (a zip bomb stops here)
MAX_MODULES_PER_FILE = 20
READ_TIMEOUT_SECONDS = 60.0  # wall clock for the child that reads a declaration
READ_CPU_SECONDS = 30
READ_MEMORY_MB = 3072  # address space: numpy/pandas/sklearn imports reserve a good deal of it
READ_FILE_MB = 16  # the largest file the child may write
READ_CONCURRENCY = 2  # readers at once per server process; more registrations wait for one to end
STORE_FOLDER = "modules"  # under the datastore root: modules/<sha256>/{source.py|source.zip, manifest.json}

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,49}$")
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
_MEMBER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\- ]{0,99}$")  # one path component of a zip member
_TEXT_LIMITS = {"label": 200, "category": 100, "description": 20_000, "group": 100, "help": 5_000, "hint": 2_000}


class DeclarationError(ValueError):
    """A file whose declaration cannot be read or is not acceptable: `code` says which (syntax_error,
    import_error, invalid_declaration, no_module, forbidden, timeout, bad_file, too_large, busy), `line`
    and `file` point into the upload when known."""

    def __init__(self, code: str, message: str, *, line: int | None = None, file: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.file = file

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message, "field": "file"}
        if self.line is not None:
            out["line"] = self.line
        if self.file is not None:
            out["file"] = self.file
        return out


@dataclass(frozen=True)
class CustomModuleSpec(ModuleSpec):
    """A custom module's spec as the compiler sees it (rebuilt from its declaration, no code): `code`
    is the SHA-256 of its stored bytes, which steps load and which is their source hash."""

    code: str = ""
    status: str = "active"  # active, deprecated or disabled
    is_default: bool = False


@dataclass
class Declared:
    """What reading an upload found."""

    sha256: str
    kind: str  # "py" or "zip"
    entry: str
    modules: list[dict[str, Any]]  # declaration JSON, one per @module
    missing: dict[str, list[str]] = field(default_factory=dict)  # ref -> requirements not installed here
    notes: list[str] = field(default_factory=list)


# -- declarations as JSON ---------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, (PortType, ParamKind)):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def declaration(spec: ModuleSpec) -> dict[str, Any]:
    """The declarative part of `spec` as JSON (no code: no fn, infer_schema or check)."""
    def fields_of(obj: Any) -> dict[str, Any]:
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}

    return {
        "key": spec.key, "version": spec.version, "label": spec.label, "category": spec.category,
        "description": spec.description, "task": spec.task, "group": spec.group, "requires": list(spec.requires),
        "inputs": [fields_of(p) for p in spec.inputs], "outputs": [fields_of(p) for p in spec.outputs],
        "params": [fields_of(p) for p in spec.params],
        "declares_infer_schema": spec.infer_schema is not None, "declares_check": spec.check is not None,
    }


def _text(decl: dict[str, Any], name: str, where: str, *, required: bool = False) -> str:
    value = decl.get(name, "")
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise DeclarationError("invalid_declaration", f"{where}: {name} must be text, not {type(value).__name__}")
    if required and not value.strip():
        raise DeclarationError("invalid_declaration", f"{where}: {name} must not be empty")
    limit = _TEXT_LIMITS.get(name, 200)
    if len(value) > limit:
        raise DeclarationError("invalid_declaration", f"{where}: {name} is longer than {limit} characters")
    return value


def _port(data: Any, where: str) -> Port:
    if not isinstance(data, dict):
        raise DeclarationError("invalid_declaration", f"{where}: a port must be a Port(...)")
    name = _text(data, "name", where, required=True)
    try:
        kind = PortType(data.get("type"))
    except ValueError:
        raise DeclarationError("invalid_declaration", f"{where}: port {name!r} has an unknown type {data.get('type')!r} "
                               f"(types: {', '.join(t.value for t in PortType)})") from None
    return Port(name=name, type=kind, label=_text(data, "label", where), optional=bool(data.get("optional")),
                help=_text(data, "help", where), owned=False)  # never owned: user code gets its own frames anyway


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (float("inf"), float("-inf")):
        raise DeclarationError("invalid_declaration", f"{what} must be a finite number")
    return value


def _param(data: Any, where: str) -> Param:
    if not isinstance(data, dict):
        raise DeclarationError("invalid_declaration", f"{where}: a parameter must be a Param(...)")
    name = _text(data, "name", where, required=True)
    try:
        kind = ParamKind(data.get("kind"))
    except ValueError:
        raise DeclarationError("invalid_declaration", f"{where}: parameter {name!r} has an unknown kind {data.get('kind')!r} "
                               f"(kinds: {', '.join(k.value for k in ParamKind)})") from None
    values: dict[str, Any] = {"name": name, "kind": kind}
    for f in dataclasses.fields(Param):
        if f.name in values or f.name not in data:
            continue
        value = data[f.name]
        if f.name in ("min", "max"):
            value = _number(value, f"{where}: {f.name} of parameter {name!r}")
        elif f.name in ("choices", "dtypes"):
            if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 200 for v in value) or len(value) > 500:
                raise DeclarationError("invalid_declaration", f"{where}: {f.name} of parameter {name!r} must be a list of texts")
            value = tuple(value)
        elif f.name in ("label", "help", "hint"):
            value = _text(data, f.name, f"{where}, parameter {name!r}")
        elif f.name == "port":
            if value is not None and not isinstance(value, str):
                raise DeclarationError("invalid_declaration", f"{where}: port of parameter {name!r} must be a port name")
        elif f.name in ("required", "multiple"):
            value = bool(value)
        elif "ParamKind" in str(f.type) and value is not None:  # e.g. a range's item kind
            try:
                value = ParamKind(value)
            except ValueError:
                raise DeclarationError("invalid_declaration", f"{where}: {f.name} of parameter {name!r} is not a "
                                       f"parameter kind: {str(value)[:40]!r}") from None
        elif isinstance(value, list) and f.name != "default":
            value = tuple(value)
        values[f.name] = value
    try:
        return Param(**values)
    except TypeError as exc:
        raise DeclarationError("invalid_declaration", f"{where}: parameter {name!r}: {exc}") from None


def _runs_in_its_step(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a custom module runs in its own step process (modules_catalog.custom.load_for_step)")


def spec_from_declaration(decl: Any, *, code: str, status: str = "active", is_default: bool = False) -> CustomModuleSpec:
    """A CustomModuleSpec from declaration JSON (`declaration()`), checked like a declaration at
    import (spec._check) and within this module's bounds; DeclarationError otherwise."""
    if not isinstance(decl, dict):
        raise DeclarationError("invalid_declaration", "a declaration must be an object")
    key, version = decl.get("key"), decl.get("version")
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise DeclarationError("invalid_declaration", f"module key {str(key)[:80]!r} is not valid: lower-case letters, "
                               "digits and _, starting with a letter, at most 64 characters")
    if not isinstance(version, str) or not VERSION_RE.fullmatch(version):
        raise DeclarationError("invalid_declaration", f"{key}: version {str(version)[:60]!r} is not valid: letters, digits, "
                               "'.', '_' and '-', at most 50 characters (for example '1' or '2.1')")
    where = f"{key}@{version}"
    for name, limit in (("inputs", 50), ("outputs", 50), ("params", 100), ("requires", 50)):
        if not isinstance(decl.get(name, []), list) or len(decl.get(name, [])) > limit:
            raise DeclarationError("invalid_declaration", f"{where}: {name} must be a list of at most {limit}")
    requires = decl.get("requires", [])
    for req in requires:
        if not isinstance(req, str) or not req.strip() or len(req) > 200:
            raise DeclarationError("invalid_declaration", f"{where}: requires must list package requirements such as 'lightgbm>=4'")
        requirement(req, where)
    task = decl.get("task")
    spec = CustomModuleSpec(
        key=key, version=version, label=_text(decl, "label", where, required=True),
        category=_text(decl, "category", where, required=True), fn=_runs_in_its_step,
        description=_text(decl, "description", where),
        inputs=tuple(_port(p, where) for p in decl.get("inputs", [])),
        outputs=tuple(_port(p, where) for p in decl.get("outputs", [])),
        params=tuple(_param(p, where) for p in decl.get("params", [])),
        user_code=True, disabled=status == "disabled", source_hash=code,
        task=task if isinstance(task, str) else None, group=_text(decl, "group", where),
        requires=tuple(requires), code=code, status=status, is_default=is_default,
    )
    outs = [p.name for p in spec.outputs]
    if len(set(outs)) != len(outs):
        raise DeclarationError("invalid_declaration", f"{where}: output port names are used twice")
    try:
        spec_module._check(spec)
    except ValueError as exc:
        raise DeclarationError("invalid_declaration", str(exc)) from None
    return spec


# -- requirements ---------------------------------------------------------------------------

def requirement(text: str, where: str = "") -> Any:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise DeclarationError("invalid_declaration", f"{where + ': ' if where else ''}requirement {text!r} "
                               f"is not valid ({exc})") from None


def missing_requirements(requires: tuple[str, ...] | list[str]) -> list[str]:
    """The requirements not met by this Python environment, each saying why."""
    from importlib import metadata

    missing = []
    for text in requires:
        req = requirement(text)
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            have = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            missing.append(f"{text} (not installed)")
            continue
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            missing.append(f"{text} ({have} is installed)")
    return missing


# -- unpacking an upload ----------------------------------------------------------------------

def _safe_py_name(filename: str) -> str:
    stem = os.path.splitext(os.path.basename(filename or ""))[0]
    stem = re.sub(r"[^A-Za-z0-9_]", "_", stem)[:64].strip("_") or "module"
    return f"{'m_' if stem[0].isdigit() else ''}{stem}.py"


def _member_path(name: str) -> str:
    """A zip member's relative path, refused when it could leave the folder or is not a plain name."""
    if "\\" in name or "\0" in name or name.startswith("/") or len(name) > 300:
        raise DeclarationError("bad_file", f"the zip holds a file named {name[:100]!r}, which is not a plain relative path")
    parts = [p for p in name.split("/") if p]
    if not parts or any(p in (".", "..") or not _MEMBER_RE.fullmatch(p) for p in parts) or len(parts) > 10:
        raise DeclarationError("bad_file", f"the zip holds a file named {name[:100]!r}: paths may use letters, digits, "
                               "'_', '-', '.' and spaces, never '..'")
    return "/".join(parts)


def kind_of(filename: str, data: bytes) -> str:
    name = (filename or "").lower()
    if name.endswith(".zip") or data[:4] == b"PK\x03\x04":
        return "zip"
    if name.endswith(".py"):
        return "py"
    raise DeclarationError("bad_file", f"{os.path.basename(filename or '') or 'the file'!r} is neither a Python file (.py) "
                           "nor a zip of Python files (.zip)")


def check_size(kind: str, size: int) -> None:
    limit = MAX_ZIP_BYTES if kind == "zip" else MAX_PY_BYTES
    if size > limit:
        raise DeclarationError("too_large", f"the {'zip' if kind == 'zip' else 'Python file'} is {size} bytes; "
                               f"at most {limit} bytes ({limit >> 20} MB) are accepted")
    if size == 0:
        raise DeclarationError("bad_file", "the file is empty")


def unpack(data: bytes, kind: str, dest: str, *, filename: str = "", entry: str | None = None) -> str:
    """Write the upload's files under `dest` (created); return the entry file's relative path."""
    os.makedirs(dest, exist_ok=True)
    if kind == "py":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DeclarationError("bad_file", f"the Python file is not UTF-8 text (byte {exc.start})") from None
        name = _safe_py_name(filename)
        with open(os.path.join(dest, name), "wb") as fh:
            fh.write(data)
        return name
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DeclarationError("bad_file", f"the zip cannot be read: {exc}") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise DeclarationError("bad_file", f"the zip holds {len(members)} files; at most {MAX_ZIP_MEMBERS} are accepted")
        total, seen, paths = 0, set(), []
        for m in members:
            path = _member_path(m.filename)
            mode = (m.external_attr >> 16) & 0o170000
            if mode and mode != stat.S_IFREG:
                raise DeclarationError("bad_file", f"{path!r} in the zip is not a regular file (a link or a device)")
            if path.lower() in seen:
                raise DeclarationError("bad_file", f"the zip holds {path!r} twice")
            seen.add(path.lower())
            total += m.file_size
            if total > MAX_UNZIPPED_BYTES:
                raise DeclarationError("too_large", f"the zip unpacks to more than {MAX_UNZIPPED_BYTES >> 20} MB")
            paths.append((m, path))
        py = [p for _, p in paths if p.endswith(".py")]
        if entry:
            entry = _member_path(entry)
            if entry not in py:
                raise DeclarationError("bad_file", f"the entry file {entry!r} is not a .py file of the zip "
                                       f"(its Python files: {', '.join(py[:20]) or 'none'})")
        elif len(py) == 1:
            entry = py[0]
        elif "main.py" in py:
            entry = "main.py"
        else:
            raise DeclarationError("bad_file", "name the entry file of the zip (the one with the @module declarations); "
                                   f"its Python files: {', '.join(py[:20]) or 'none'}")
        root = os.path.realpath(dest)
        for m, path in paths:
            target = os.path.realpath(os.path.join(root, path))
            if not target.startswith(root + os.sep):
                raise DeclarationError("bad_file", f"{path!r} would be written outside its folder")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            written = 0
            with archive.open(m) as src, open(target, "wb") as out:
                while chunk := src.read(1 << 16):
                    written += len(chunk)
                    if written > m.file_size or written > MAX_UNZIPPED_BYTES:  # a header that lies
                        raise DeclarationError("too_large", f"{path!r} unpacks to more than its declared size")
                    out.write(chunk)
    return entry


# -- reading a declaration in a child ----------------------------------------------------------

_readers = threading.BoundedSemaphore(READ_CONCURRENCY)


def module_name(sha256: str) -> str:
    """The name a custom module's entry file is imported under (in the reader and in its steps)."""
    return f"gw_custom_{sha256[:16]}"


def inspect_upload(data: bytes, filename: str, *, entry: str | None = None,
                   timeout: float | None = None) -> Declared:
    """Read the declarations of an upload in an isolated child; DeclarationError when there is none
    or it is not acceptable. Each declaration is checked here again (spec_from_declaration)."""
    kind = kind_of(filename, data)
    check_size(kind, len(data))
    sha = hashlib.sha256(data).hexdigest()
    timeout = timeout or READ_TIMEOUT_SECONDS
    if not _readers.acquire(timeout=timeout):
        raise DeclarationError("busy", "the server is busy reading other modules' declarations; try again in a minute")
    work = tempfile.mkdtemp(prefix="gw-declare-")
    try:
        src, home = os.path.join(work, "src"), os.path.join(work, "home")
        os.makedirs(home)
        entry = unpack(data, kind, src, filename=filename, entry=entry)
        result = _run_reader(work, src, home, entry, module_name(sha), timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        _readers.release()
    modules = result.get("modules")
    if not isinstance(modules, list) or not modules:
        raise DeclarationError("no_module", f"{entry!r} declares no module: decorate a function with "
                               "@module(...) from modules_catalog.spec")
    if len(modules) > MAX_MODULES_PER_FILE:
        raise DeclarationError("invalid_declaration", f"{entry!r} declares {len(modules)} modules; at most "
                               f"{MAX_MODULES_PER_FILE} per file")
    refs = set()
    notes = []
    for decl in modules:
        spec = spec_from_declaration(decl, code=sha)
        if spec.ref in refs:
            raise DeclarationError("invalid_declaration", f"{spec.ref} is declared twice in the file")
        refs.add(spec.ref)
        if decl.get("declares_infer_schema") or decl.get("declares_check"):
            notes.append(f"{spec.ref}: infer_schema and check are not run for custom modules (they would run its "
                         "code in the designer): its output columns are known once it has run")
    missing = result.get("missing") if isinstance(result.get("missing"), dict) else {}
    missing = {str(k): [str(v) for v in vs][:50] for k, vs in missing.items() if k in refs and isinstance(vs, list) and vs}
    return Declared(sha256=sha, kind=kind, entry=entry, modules=modules, missing=missing, notes=notes)


def _scrubbed_env(home: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _run_reader(work: str, src: str, home: str, entry: str, name: str, timeout: float) -> dict[str, Any]:
    project = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result_path = os.path.join(work, "result.json")
    boot = ("import sys; sys.path.append(sys.argv[1]); "
            "from modules_catalog.custom import _reader_main; _reader_main(sys.argv[2:])")
    argv = [sys.executable, "-I", "-B", "-c", boot, project, src, entry, name, result_path, work,
            str(READ_CPU_SECONDS), str(READ_MEMORY_MB), str(READ_FILE_MB)]
    with open(os.path.join(work, "out.log"), "wb") as out:
        proc = subprocess.Popen(argv, cwd=home, env=_scrubbed_env(home), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise DeclarationError("timeout", f"reading the declaration of {entry!r} took longer than {timeout:g} s: "
                                   "does importing it run a loop or a long computation? Do that inside the module "
                                   "function instead") from None
        finally:
            _kill_group(proc)  # whatever it left running ends with it
    try:
        with open(result_path, "rb") as fh:
            result = json.loads(fh.read(8 << 20))
    except (OSError, ValueError):
        result = None
    if not isinstance(result, dict):
        tail = _tail(os.path.join(work, "out.log"))
        if proc.returncode and proc.returncode < 0:
            what = signal.Signals(-proc.returncode).name if -proc.returncode in signal.valid_signals() else str(-proc.returncode)
            why = "its CPU-time limit" if -proc.returncode == signal.SIGXCPU else f"signal {what}"
            raise DeclarationError("timeout" if -proc.returncode in (signal.SIGXCPU, signal.SIGKILL) else "import_error",
                                   f"reading the declaration of {entry!r} was stopped by {why}")
        raise DeclarationError("import_error", f"reading the declaration of {entry!r} failed"
                               + (f": {tail}" if tail else f" (exit status {proc.returncode})"))
    if result.get("error"):
        code = result["error"] if result["error"] in (
            "syntax_error", "import_error", "invalid_declaration", "no_module", "forbidden") else "import_error"
        line = result.get("line")
        raise DeclarationError(code, str(result.get("message", ""))[:2000],
                               line=line if isinstance(line, int) else None,
                               file=str(result["file"])[:300] if isinstance(result.get("file"), str) else None)
    return result


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _tail(path: str, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - limit))
            lines = fh.read().decode("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


# -- inside the reader child ------------------------------------------------------------------

class _Forbidden(PermissionError):
    pass


class _Invalid(ValueError):
    pass


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_REFUSED = {
    "os.system": "start a process", "os.exec": "start a process", "os.posix_spawn": "start a process",
    "os.spawn": "start a process", "os.fork": "start a process", "os.forkpty": "start a process",
    "subprocess.Popen": "start a process", "pty.spawn": "start a process", "os.startfile": "start a process",
    "os.kill": "send a signal", "os.killpg": "send a signal", "signal.pthread_kill": "send a signal",
    "socket.connect": "open a network connection", "socket.bind": "open a network socket",
    "socket.getaddrinfo": "look up a network address", "socket.sendto": "send over the network",
    "urllib.Request": "open a URL",
}


def _audit_hook(allowed_root: str, refused: list[str]):
    root = os.path.realpath(allowed_root) + os.sep

    def outside(path: Any) -> bool:
        if isinstance(path, int):
            return False
        try:
            target = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return True
        return not (target + os.sep).startswith(root)

    def hook(event: str, args: tuple) -> None:
        what = _REFUSED.get(event)
        if what is None and event == "open" and len(args) >= 3 and isinstance(args[2], int) \
                and args[2] & _WRITE_FLAGS and outside(args[0]):
            what = "write a file outside its folder"
        elif what is None and event in ("os.remove", "os.rename", "os.rmdir", "shutil.rmtree", "os.chmod", "os.truncate") \
                and args and outside(args[0]):
            what = "change a file outside its folder"
        if what is not None:
            message = f"it tried to {what} ({event})"
            if message not in refused:
                refused.append(message)
            raise _Forbidden(f"not allowed while a custom module's declaration is read: {message}")

    return hook


def _limit(which: int, value: int) -> None:
    import resource

    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass


def _user_frame(tb: Any, src: str) -> tuple[str | None, int | None]:
    """(file relative to the upload, line) of the innermost traceback frame inside the upload."""
    import traceback

    root = os.path.realpath(src) + os.sep
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(tb):
        path = os.path.realpath(frame.filename)
        if path.startswith(root):
            found = (path[len(root):], frame.lineno)
    return found


def _reader_main(argv: list[str]) -> None:
    """Child: import the upload's entry with @module declarations collected, write them as JSON."""
    import resource

    src, entry, name, result_path, work, cpu, memory_mb, file_mb = argv
    out_fd = os.open(result_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    _limit(resource.RLIMIT_CPU, int(cpu))
    _limit(resource.RLIMIT_AS, int(memory_mb) << 20)
    _limit(resource.RLIMIT_FSIZE, int(file_mb) << 20)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, 256)

    def finish(payload: dict[str, Any]) -> None:
        data = json.dumps(payload, default=repr, allow_nan=False).encode()
        os.write(out_fd, data)
        os.close(out_fd)
        os._exit(0)

    import importlib.util

    def invalid(spec: ModuleSpec) -> None:
        try:
            check(spec)
        except ValueError as exc:
            raise _Invalid(str(exc)) from None

    check = spec_module._check
    spec_module._check = invalid
    found: list[ModuleSpec] = []
    spec_module._collecting = found
    refused: list[str] = []
    sys.path.insert(0, src)
    path = os.path.join(src, entry)
    sys.addaudithook(_audit_hook(work, refused))
    try:
        loader_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(loader_spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        loader_spec.loader.exec_module(module)  # type: ignore[union-attr]
    except SyntaxError as exc:
        file = os.path.relpath(exc.filename, src) if exc.filename and exc.filename.startswith(src) else entry
        finish({"error": "syntax_error", "line": exc.lineno, "file": file,
                "message": f"syntax error in {file}, line {exc.lineno}: {exc.msg}"})
    except _Invalid as exc:
        file, line = _user_frame(exc.__traceback__, src)
        finish({"error": "invalid_declaration", "line": line, "file": file,
                "message": f"invalid declaration{f' in {file}, line {line}' if line else ''}: {exc}"})
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt of the file too
        file, line = _user_frame(exc.__traceback__, src)
        if refused:
            finish({"error": "forbidden", "line": line, "file": file,
                    "message": f"importing {entry} is not allowed: {refused[0]}; do that inside the module function"})
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        finish({"error": "import_error", "line": line, "file": file,
                "message": f"importing {file or entry}{f' failed at line {line}' if line else ' failed'}: {detail}"})
    if refused:
        finish({"error": "forbidden", "message": f"importing {entry} is not allowed: {refused[0]}; do that inside the "
                "module function"})
    root = os.path.realpath(src) + os.sep
    mine = [s for s in found if os.path.realpath(getattr(getattr(s.fn, "__code__", None), "co_filename", "")).startswith(root)]
    if not mine:
        finish({"error": "no_module", "message": f"{entry} declares no module: decorate a function with @module(...) "
                "from modules_catalog.spec"})
    try:
        modules = [declaration(s) for s in mine]
        json.dumps(modules, allow_nan=False)
    except (TypeError, ValueError) as exc:
        finish({"error": "invalid_declaration", "message": f"a declaration holds a value that is not JSON (a default "
                f"must be a number, text, true/false, a list or null): {exc}"})
    missing = {}
    for s in mine:
        try:
            gone = missing_requirements(s.requires)
        except DeclarationError as exc:
            finish({"error": "invalid_declaration", "message": exc.message})
        if gone:
            missing[s.ref] = gone
    finish({"modules": modules, "missing": missing})


# -- storing and loading ----------------------------------------------------------------------

def store_folder(datastore_root: str, sha256: str) -> str:
    if not HASH_RE.fullmatch(sha256 or ""):
        raise ValueError(f"not a SHA-256 digest: {str(sha256)[:80]!r}")
    return os.path.join(os.path.abspath(datastore_root), STORE_FOLDER, sha256)


def store(datastore_root: str, data: bytes, declared: Declared) -> str:
    """Keep the upload's bytes under their SHA-256 (once: the same bytes share one folder)."""
    folder = store_folder(datastore_root, declared.sha256)
    if os.path.exists(os.path.join(folder, "manifest.json")):
        return folder
    parent = os.path.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
    try:
        with open(os.path.join(tmp, f"source.{declared.kind}"), "wb") as fh:
            fh.write(data)
        with open(os.path.join(tmp, "manifest.json"), "w") as fh:
            json.dump({"sha256": declared.sha256, "kind": declared.kind, "entry": declared.entry}, fh)
        try:
            os.rename(tmp, folder)
        except OSError:  # another request stored the same bytes first
            if not os.path.exists(os.path.join(folder, "manifest.json")):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def read_stored(datastore_root: str, sha256: str) -> tuple[bytes, dict[str, Any]]:
    """The stored bytes of a custom module and its manifest, checked against their SHA-256."""
    folder = store_folder(datastore_root, sha256)
    try:
        with open(os.path.join(folder, "manifest.json")) as fh:
            manifest = json.load(fh)
        kind = "zip" if manifest.get("kind") == "zip" else "py"
        with open(os.path.join(folder, f"source.{kind}"), "rb") as fh:
            data = fh.read(MAX_ZIP_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(f"the stored files of custom module {sha256[:12]} are missing ({exc})") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"the stored files of custom module {sha256[:12]} do not match their SHA-256: they were changed")
    return data, {**manifest, "kind": kind}


@contextmanager
def collect() -> Iterator[list[ModuleSpec]]:
    """@module declarations made inside go to the yielded list, not into the registry."""
    saved = spec_module._collecting
    found: list[ModuleSpec] = []
    spec_module._collecting = found
    try:
        yield found
    finally:
        spec_module._collecting = saved


def load_for_step(datastore_root: str, sha256: str, key: str, version: str, workdir: str,
                  stored: tuple[bytes, dict[str, Any]] | None = None) -> ModuleSpec:
    """In a step's own process: the custom module `key@version` from its stored, verified bytes,
    unpacked into `workdir` and imported there. Raises with a message a user can act on.
    `stored`: its read_stored() bytes, read before the step dropped its privileges."""
    import importlib.util

    data, manifest = stored if stored is not None else read_stored(datastore_root, sha256)
    folder = os.path.join(workdir, "custom_module")
    entry = unpack(data, manifest["kind"], folder, filename=manifest.get("entry", ""), entry=manifest.get("entry"))
    name = module_name(sha256)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    with collect() as found:
        loader_spec = importlib.util.spec_from_file_location(name, os.path.join(folder, entry))
        module = importlib.util.module_from_spec(loader_spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        loader_spec.loader.exec_module(module)  # type: ignore[union-attr]
    spec = next((s for s in found if s.key == key and s.version == str(version)), None)
    if spec is None:
        raise LookupError(f"the stored file of custom module {key}@{version} no longer declares it "
                          f"(it declares: {', '.join(s.ref for s in found) or 'nothing'})")
    gone = missing_requirements(spec.requires)
    if gone:
        raise RuntimeError(f"custom module {spec.ref} needs Python packages this environment does not have: "
                           f"{'; '.join(gone)}. Install them where steps run (environments per module come with "
                           "the compute targets)")
    return dataclasses.replace(spec, user_code=True, source_hash=sha256)


class _StoredModules:
    """A meta-path finder for a user-code step: `gw_custom_<16 hex>` (the name a custom module's
    entry file is imported under, which pickles of its classes name) is loaded from the stored,
    hash-checked files whose SHA-256 begins with those digits. A Train Model fed a custom learner
    can so unpickle it; a shared pool worker never installs this, so never imports user code."""

    _NAME = re.compile(r"^gw_custom_([0-9a-f]{16})$")

    def __init__(self, datastore_root: str, workdir: str) -> None:
        self.root = os.path.join(os.path.abspath(datastore_root), STORE_FOLDER)
        self.workdir = workdir

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        import importlib.util

        match = self._NAME.match(fullname)
        if match is None:
            return None
        try:
            found = [n for n in os.listdir(self.root) if HASH_RE.fullmatch(n) and n.startswith(match.group(1))]
        except OSError:
            return None
        if len(found) != 1:
            return None
        data, manifest = read_stored(os.path.dirname(self.root), found[0])
        folder = os.path.join(self.workdir, f"custom_module_{found[0][:16]}")
        entry = unpack(data, manifest["kind"], folder, filename=manifest.get("entry", ""), entry=manifest.get("entry"))
        if folder not in sys.path:
            sys.path.insert(0, folder)
        return importlib.util.spec_from_file_location(fullname, os.path.join(folder, entry))


def allow_stored_imports(datastore_root: str, workdir: str) -> None:
    """In a user-code step's own process: custom modules' classes can be unpickled (_StoredModules)."""
    if not any(isinstance(f, _StoredModules) for f in sys.meta_path):
        sys.meta_path.append(_StoredModules(datastore_root, workdir))
