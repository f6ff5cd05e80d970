"""User code cannot see the server (local target).

Design (the least invasive one that keeps the launch of a user-code step cheap):

* The pre-forked user child stays root while it reads the step's inputs from the datastore (and a
  custom module's stored files), exactly as before. Then, just before the module function runs,
  `drop_privileges()` hands its work folder to a uid of its own (STEP_UID_BASE + its pid: unique
  among live steps, so two concurrent steps cannot read each other's folders; no passwd entry is
  needed) and switches to it for good: setgroups([]), setresgid/setresuid (no saved root id),
  PR_SET_NO_NEW_PRIVS (a setuid binary cannot give root back), umask 077. No process image is
  exec'd, so nothing is added to the launch but a few system calls.
* From then on the step cannot open the datastore (its root is 0700), so its outputs are stored
  into a *staging* store inside its own work folder (`<workdir>/.outputs`, same layout as the
  datastore). The privileged target side (`import_outputs()`, in the engine process when the
  result arrives) copies each staged object into a root-owned temporary file first and only then
  hashes it into the real datastore: the digest is computed by the server from its own copy, never
  trusted from the step, and nothing the step still holds open can change it afterwards.
* `harden_server_files()` (once per target start) makes var/ traversable but not listable (0711:
  work folders live in var/work; environments in var/envs stay readable), every other entry of var/ (database, admin password, datastore,
  uploads) private to the server, and the datastore root 0700.

When the server is not root no uid can be changed: user code then runs as the server's own user
with only the scrubbed environment, and the target logs a warning once (docs/security.md).
"""
from __future__ import annotations

import logging
import os
import shutil
import stat
from typing import Any

log = logging.getLogger("graphwright.engine.isolation")

STEP_UID_BASE = 200_000  # far above any real account; + pid (pid_max ≤ 4194304)
STAGING = ".outputs"
PR_SET_NO_NEW_PRIVS = 38
PR_SET_DUMPABLE = 4
_hardened: set[str] = set()
_warned = False


def enabled() -> bool:
    """Script children drop privileges: only possible when the server runs as root."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def warn_if_disabled() -> None:
    global _warned
    if not enabled() and not _warned:
        _warned = True
        log.warning("user code is NOT isolated from the server: the engine does not run as root, so "
                    "Execute Python Script and custom module steps run as the server's own user and can "
                    "read what it can read except its environment (see docs/security.md)")


def _private(path: str, dir_mode: int = 0o700) -> None:
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISLNK(st.st_mode):
        return
    mode = dir_mode if stat.S_ISDIR(st.st_mode) else stat.S_IMODE(st.st_mode) & 0o700
    if stat.S_IMODE(st.st_mode) != mode:
        try:
            os.chmod(path, mode)
        except OSError:
            pass


def harden_datastore(root: str) -> None:
    if not enabled() or "://" in root or root in _hardened:
        return
    _hardened.add(root)
    os.makedirs(root, exist_ok=True)
    _private(root)


def harden_server_files() -> None:
    """var/ 0711; everything in it but the work root private to the server; the datastore 0700."""
    if not enabled():
        return
    try:
        from django.conf import settings

        var = str(settings.VAR_DIR)
        work = os.path.abspath(settings.WORK_ROOT)
        roots = [os.path.abspath(str(settings.DATASTORE_ROOT))]
        envs = os.path.abspath(str(getattr(settings, "ENVIRONMENTS_ROOT", "")) or os.path.join(var, "envs"))
        db = str(settings.DATABASES.get("default", {}).get("NAME") or "")
    except Exception:  # the engine used without Django settings: nothing to find
        return
    if f"work:{work}" not in _hardened:
        _hardened.add(f"work:{work}")
        os.makedirs(work, exist_ok=True)
        _private(work, 0o711)
    if f"var:{var}" not in _hardened:
        _hardened.add(f"var:{var}")
        _private(var, 0o711)
        for name in os.listdir(var):
            path = os.path.join(var, name)
            if os.path.abspath(path) == envs:  # environments: a step imports its packages from here
                _private(path, 0o711)
            elif os.path.abspath(path) != work:
                _private(path)
    for path in (db, db + "-wal", db + "-shm"):
        if path and os.path.isabs(path):
            _private(path)
    for root in roots:
        harden_datastore(root)
    runtime_reachable()


def runtime_reachable() -> None:
    """The Python that runs steps, its libraries and the project's code stay importable after the
    drop: their folders' ancestors get search permission (x, not r) for others, as the work folder's
    do. Python under /root (pyenv), whose 0700 let a dropped step import only what the zygote had
    loaded ("No module named 'urllib.error'"), becomes traversable; nothing there becomes listable."""
    import sys

    project = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for path in {sys.base_prefix, sys.prefix, sys.exec_prefix, project}:
        if f"runtime:{path}" not in _hardened:
            _hardened.add(f"runtime:{path}")
            make_traversable(os.path.join(path, "."))


def step_uid() -> int:
    return STEP_UID_BASE + os.getpid()


def make_traversable(workdir: str) -> None:
    """Ancestors of the work folder owned by the server: x (search, not read) for others, so the
    step can use its absolute path (HOME, TMPDIR, ctx.workdir) without being able to list them.
    Keep WORK_ROOT out of a home folder: a file readable by all in an ancestor becomes reachable."""
    parent = os.path.dirname(workdir)
    for _ in range(64):
        try:
            st = os.stat(parent)
        except OSError:
            return
        if st.st_uid == os.geteuid() and not st.st_mode & 0o001:
            try:
                os.chmod(parent, stat.S_IMODE(st.st_mode) | 0o111)
            except OSError:
                return
        nxt = os.path.dirname(parent)
        if nxt == parent:
            return
        parent = nxt


def drop_privileges(workdir: str) -> None:
    """In the user child, after its inputs are loaded: become a uid of its own, for good."""
    import ctypes

    uid = step_uid()
    make_traversable(workdir)
    for dirpath, dirnames, filenames in os.walk(workdir):  # the folder and what the step wrote before
        os.chown(dirpath, uid, uid)
        for name in filenames:
            os.lchown(os.path.join(dirpath, name), uid, uid)
    os.chmod(workdir, 0o700)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    # the uid change made the process non-dumpable: its /proc/self would stay root's, and the
    # microsecond look-up of its children (reaping._child_pids) would fall back to a scan of every
    # process. Its uid is its own and RLIMIT_CORE is 0, so making it dumpable again exposes nothing.
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    os.umask(0o077)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("could not drop root")


def staging_root(workdir: str) -> str:
    return os.path.join(workdir, STAGING)


def import_outputs(spec: Any, outputs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """On the privileged side: move a dropped step's staged outputs into the real datastore.
    Each object is copied to a server-owned temporary file before it is hashed (never trusting the
    step's digest, nor a file it may still hold open)."""
    from engine.datastore import StoredArtifact, open_datastore

    staged = os.path.join(staging_root(spec.workdir), "objects")
    ds = open_datastore(spec.datastore)
    result: dict[str, dict[str, Any]] = {}
    for port, art in outputs.items():
        digest = str(art.get("digest") or "")
        if not digest.isalnum():
            raise ValueError(f"output {port!r}: malformed digest")
        src = os.path.join(staged, digest[:2], digest)
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
        tmp = ds.temp_path() if "://" not in spec.datastore else None
        if tmp is None:
            import tempfile

            handle, tmp = tempfile.mkstemp()
            os.close(handle)
        try:
            with os.fdopen(fd, "rb") as fin, open(tmp, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
        except BaseException:
            os.unlink(tmp)
            raise
        meta = art.get("meta") if isinstance(art.get("meta"), dict) else {}
        stored: StoredArtifact = ds.put_file(tmp, str(art.get("kind")), {k: v for k, v in meta.items() if k not in ("kind", "size")})
        result[port] = stored.as_json()
    shutil.rmtree(staging_root(spec.workdir), ignore_errors=True)  # stored now: no second copy on disk
    return result
