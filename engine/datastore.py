"""Content-addressed artifact storage: DataFrames as Parquet (with preview and statistics computed
once, at write time), models and transforms as pickles, metrics as JSON. A store is a folder
(Datastore: plain file-system calls, the fast path) or a URL behind fsspec (RemoteDatastore:
s3://bucket/prefix for many machines); open_datastore() gives the process's one handle for it.
Nothing outside this module builds a path into a store. An artifact appears whole or not at all,
and what is read is checked against its BLAKE3 address (CorruptArtifact: the object is set aside).
No Django needed here: the runner inside a child process uses it too (settings are read only
when present)."""
from __future__ import annotations

import errno
import json
import math
import os
import pickle
import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import blake3

PREVIEW_ROWS = 50
_CHUNK = 1 << 20
# above this many cells a frame's statistics are computed on a second thread while it is written
# (numpy and the Parquet writer both release the GIL); below it a thread costs more than it saves
_PARALLEL_META_CELLS = 200_000


@dataclass(frozen=True)
class StoredArtifact:
    digest: str
    kind: str
    size: int
    meta: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "kind": self.kind, "size": self.size, "meta": self.meta}


class ArtifactMissing(FileNotFoundError):
    """The artifact is not (or no longer) in the store."""


class CorruptArtifact(ArtifactMissing):
    """The stored bytes do not hash to their address. They were set aside (quarantined) when found,
    so the artifact is now missing: the scheduler reuses no step whose outputs are not intact, and
    the step that produced it runs again on the next submit."""

    def __init__(self, digest: str, found: str = "") -> None:
        super().__init__(f"artifact {digest} was corrupt in the datastore (its bytes hash to {found[:12] or '?'}…, "
                         "not to their address) and was set aside: submit the pipeline again to re-run the step "
                         "that produced it")
        self.digest, self.found = digest, found


def is_disk_full(exc: BaseException) -> bool:
    """True for "no space left on device" (or over a disk quota), however the writer reported it:
    an OSError with its errno, or Arrow's error, which carries the errno only in its text."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, OSError) and "No space left on device" in str(exc)


def _discard(path: str) -> None:
    """Remove a half-written file (a failed writer may have removed it already)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# a step's process reads the storage options of a remote store (an S3 endpoint and keys) from this
# variable, set by the target in its environment (step_env()): never in a StepSpec, a log or an event
OPTIONS_ENV = "GRAPHWRIGHT_DATASTORE_OPTIONS"

_handles: dict[str, "Datastore"] = {}


def datastore_url(location: str) -> str:
    """The one spelling of a store's location: a folder or a file:// URL becomes
    file://<absolute path>; any other URL (s3://bucket/prefix) loses its trailing slashes."""
    scheme, sep, rest = location.partition("://")
    if not sep:
        return "file://" + os.path.abspath(location)
    if scheme == "file":
        return "file://" + os.path.abspath(rest or "/")
    return f"{scheme}://{rest.strip('/')}"


def _settings_location() -> tuple[str, dict[str, Any]]:
    from django.conf import settings

    return (getattr(settings, "DATASTORE_URL", "") or settings.DATASTORE_ROOT,
            dict(getattr(settings, "DATASTORE_OPTIONS", None) or {}))


def _options_for(url: str) -> dict[str, Any]:
    """The storage options of a remote store opened by URL alone: from OPTIONS_ENV in a step's
    process, else from the settings when they name this store, else none (the backend's own
    defaults: for S3, botocore's chain of environment, config files and instance roles)."""
    raw = os.environ.get(OPTIONS_ENV)
    if raw:
        try:
            found = json.loads(raw)
        except ValueError:
            found = None
        if isinstance(found, dict) and found.get("url") == url:
            return dict(found.get("options") or {})
    try:
        from django.conf import settings

        if settings.configured:
            location, options = _settings_location()
            if datastore_url(location) == url:
                return options
    except ImportError:
        pass
    return {}


def open_datastore(location: str | None = None, options: dict[str, Any] | None = None) -> "Datastore":
    """The process's one Datastore for `location`: a folder or a URL (file://…, s3://bucket/prefix);
    by default settings.DATASTORE_URL, or file://DATASTORE_ROOT when that is empty. Every caller
    (web views, the engine, a step's process) shares it."""
    if location is None:
        location, configured = _settings_location()
        options = configured if options is None else options
    url = datastore_url(location)
    ds = _handles.get(url)
    if ds is None:
        if url.startswith("file://"):
            ds = Datastore(url[len("file://"):])
        else:
            ds = RemoteDatastore(url, _options_for(url) if options is None else options)
        _handles[url] = ds
    return ds


def step_env(location: str | None = None) -> dict[str, str]:
    """The environment a step's process needs to open the store at `location` (the settings' by
    default) as open_datastore() does here: the storage options of a remote store, as JSON;
    nothing for a local one."""
    ds = open_datastore(location)
    if not isinstance(ds, RemoteDatastore):
        return {}
    return {OPTIONS_ENV: json.dumps({"url": ds.url, "options": ds.options})}


def warm_remote() -> None:
    """In a warm parent whose steps use a remote store (OPTIONS_ENV set): import its fsspec
    backend now (s3fs and botocore take ~0.3 s), so no forked step pays for it. Creates nothing:
    no client, no event-loop thread, which a fork would not carry over."""
    try:
        url = json.loads(os.environ.get(OPTIONS_ENV) or "{}").get("url") or ""
    except (ValueError, AttributeError):
        return
    if "://" in url:
        import fsspec

        fsspec.get_filesystem_class(url.partition("://")[0])


class Datastore:
    """A store in a local folder: objects/<2>/<digest>, meta/<digest>.json, tmp/ for writes in
    progress, quarantine/ for corrupt objects set aside. The fast path: plain file-system calls,
    no fsspec layer (RemoteDatastore is the fsspec one)."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.url = "file://" + self.root
        self._objects = os.path.join(self.root, "objects")
        self._meta = os.path.join(self.root, "meta")
        self._tmp = os.path.join(self.root, "tmp")
        for folder in (self._objects, self._meta, self._tmp):
            os.makedirs(folder, exist_ok=True)
        # digest -> (inode, size, mtime) of the file whose bytes this process hashed to the digest:
        # each object is verified once per process, again only once its file changed
        self._verified: dict[str, tuple[int, int, int]] = {}

    # -- paths -------------------------------------------------------------------------------
    def path(self, digest: str) -> str:
        """Where the object lives (this module and its tests only; everyone else reads through
        open(), load(), meta() and size())."""
        return os.path.join(self._objects, digest[:2], digest)

    def _meta_path(self, digest: str) -> str:
        return os.path.join(self._meta, f"{digest}.json")

    def exists(self, digest: str) -> bool:
        """The artifact is complete: its object and its metadata (written after the object)."""
        return os.path.exists(self._meta_path(digest)) and os.path.exists(self.path(digest))

    def intact(self, digest: str) -> bool:
        """Complete and its bytes hash to `digest` (verified once per process and file version):
        what the scheduler asks before reusing a step. A corrupt object is quarantined here."""
        if not os.path.exists(self._meta_path(digest)):
            return False
        try:
            self.verify(digest)
        except ArtifactMissing:
            return False
        return True

    def verify(self, digest: str) -> None:
        """Raise ArtifactMissing, or CorruptArtifact after quarantining the object, unless its bytes
        hash to `digest`. BLAKE3 over a memory map, once per process per file version (inode, size,
        modification time): a file changed since it was verified is hashed again."""
        path = self.path(digest)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise ArtifactMissing(digest) from None
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        if self._verified.get(digest) == stamp:
            return
        found, _ = _hash_file(path)
        if found != digest:
            self.quarantine(digest, inode=st.st_ino)
            raise CorruptArtifact(digest, found)
        self._verified[digest] = stamp

    def quarantine(self, digest: str, inode: int | None = None) -> None:
        """Take a corrupt object out of the store: its metadata first (exists() is false from then
        on), then its file, moved to quarantine/ for inspection (only the file found corrupt: not
        one a producer has put back meanwhile)."""
        self._verified.pop(digest, None)
        _discard(self._meta_path(digest))
        path = self.path(digest)
        folder = os.path.join(self.root, "quarantine")
        try:
            if inode is not None and os.stat(path).st_ino != inode:
                return
            os.makedirs(folder, exist_ok=True)
            os.replace(path, os.path.join(folder, f"{digest}.{time.time_ns()}"))
        except FileNotFoundError:
            pass

    def meta(self, digest: str) -> dict[str, Any]:
        try:
            with open(self._meta_path(digest)) as fh:
                return json.load(fh)
        except FileNotFoundError:
            raise ArtifactMissing(digest) from None

    def size(self, digest: str) -> int:
        try:
            return os.path.getsize(self.path(digest))
        except FileNotFoundError:
            raise ArtifactMissing(digest) from None

    def stored(self, digest: str, kind: str) -> StoredArtifact:
        """The record of an object already in the store."""
        meta = self.meta(digest)
        size = meta.get("size")
        return StoredArtifact(digest, kind, size if isinstance(size, int) else self.size(digest), meta)

    # -- writing -----------------------------------------------------------------------------
    def temp_path(self, suffix: str = "") -> str:
        fd, path = tempfile.mkstemp(dir=self._tmp, suffix=suffix)
        os.close(fd)
        return path

    def put_file(self, src: str, kind: str, meta: dict[str, Any] | None = None, move: bool = True) -> StoredArtifact:
        """Hash `src` and move (or copy) it into place; the object appears whole or not at all
        (a rename within the store's file system), and its metadata after it: exists() asks for
        both. On any error (a full disk) nothing half-written stays behind, and a moved `src` is
        removed."""
        try:
            digest, size = _hash_file(src)
            target = self.path(digest)
            meta = dict(meta or {}, kind=kind, size=size)
            placed = False
            if not self._usable(digest, target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if move:
                    os.replace(src, target)
                    st = os.stat(target)  # the bytes just hashed: verified in this process
                    self._verified[digest] = (st.st_ino, st.st_size, st.st_mtime_ns)
                else:
                    self._copy_into(src, target)
                placed = True
            try:
                self._write_meta(digest, meta)
            except BaseException:
                if placed:  # no object without its record
                    self._verified.pop(digest, None)
                    _discard(target)
                raise
        finally:
            if move:
                _discard(src)  # moved: gone already; failed: not kept
        return StoredArtifact(digest, kind, size, meta)

    def _usable(self, digest: str, target: str) -> bool:
        """An object already stored under `digest` that is intact (a corrupt one is set aside and
        written anew)."""
        if not os.path.exists(target):
            return False
        try:
            self.verify(digest)
        except ArtifactMissing:
            return False
        return True

    def _copy_into(self, src: str, target: str) -> None:
        tmp = self.temp_path()
        try:
            with open(src, "rb") as fin, open(tmp, "wb") as fout:
                while chunk := fin.read(_CHUNK):
                    fout.write(chunk)
            os.replace(tmp, target)
        except BaseException:
            _discard(tmp)
            raise

    def put_dataframe(self, df: Any) -> StoredArtifact:
        tmp = self.temp_path(".parquet")
        try:
            if df.size < _PARALLEL_META_CELLS:
                write_parquet(df, tmp)
                meta = dataframe_meta(df)
            else:
                with ThreadPoolExecutor(1, thread_name_prefix="frame-meta") as pool:
                    pending = pool.submit(dataframe_meta, df)
                    write_parquet(df, tmp)
                    meta = pending.result()
        except BaseException:
            _discard(tmp)  # the Parquet writer removes its file itself when it fails
            raise
        return self.put_file(tmp, "DataFrame", meta)

    def put_object(self, obj: Any, kind: str, meta: dict[str, Any] | None = None) -> StoredArtifact:
        if kind == "Metrics":
            data = json.dumps(_json_safe(obj), sort_keys=True).encode()
            meta = dict(meta or {}, metrics=_json_safe(obj))
        else:
            data = pickle.dumps(obj, protocol=5)
            meta = dict(meta or {}, **object_meta(obj))
        tmp = self.temp_path()
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
        except BaseException:
            _discard(tmp)
            raise
        return self.put_file(tmp, kind, meta)

    def put(self, value: Any, kind: str) -> StoredArtifact:
        if kind == "DataFrame":
            return self.put_dataframe(value)
        if kind == "AnyFile" and isinstance(value, (str, os.PathLike)):
            # the file's extension (".csv" from Convert to CSV) names its download
            suffix = os.path.splitext(os.fspath(value))[1].lower()
            meta = {"suffix": suffix} if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else None
            return self.put_file(os.fspath(value), kind, meta, move=False)
        return self.put_object(value, kind)

    def _write_meta(self, digest: str, meta: dict[str, Any]) -> bool:
        """Write the object's metadata unless it exists; True when written now."""
        final = self._meta_path(digest)
        if os.path.exists(final):
            return False
        tmp = self.temp_path(".json")
        try:
            with open(tmp, "w") as fh:
                json.dump(meta, fh)
            os.replace(tmp, final)
        except BaseException:
            _discard(tmp)
            raise
        return True

    # -- reading -----------------------------------------------------------------------------
    def local_file(self, digest: str) -> str:
        """A local file holding the artifact's verified bytes: the object itself here."""
        self.verify(digest)
        return self.path(digest)

    def _release(self, path: str) -> None:
        """Done with a local_file() that load() read (a remote store's download is removed)."""

    def open(self, digest: str) -> BinaryIO:
        """The artifact's verified bytes as a binary file object (seekable: pyarrow reads Parquet
        from it); the caller closes it. ArtifactMissing, or CorruptArtifact, when they are gone."""
        path = self.local_file(digest)
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise ArtifactMissing(digest) from None

    def load(self, digest: str, kind: str) -> Any:
        path = self.local_file(digest)
        if kind == "AnyFile":
            return path
        try:
            if kind == "DataFrame":
                return read_parquet_frame(path)
            if kind == "Metrics":
                with open(path) as fh:
                    return json.load(fh)
            with open(path, "rb") as fh:
                return pickle.load(fh)
        finally:
            self._release(path)


class RemoteDatastore(Datastore):
    """A store behind fsspec (s3://bucket/prefix, for many machines), laid out like a local one.
    Every object is written from a local temporary file and read back into one (downloaded,
    hashed, then read), so Parquet, pickles and AnyFile paths work as they do locally."""

    def __init__(self, url: str, options: dict[str, Any] | None = None) -> None:
        import fsspec

        self.url = self.root = url
        self.options = dict(options or {})  # as given: what step_env() hands a step's process
        protocol = url.partition("://")[0]
        kwargs: dict[str, Any] = {"skip_instance_cache": True, **self.options}
        if protocol in ("s3", "s3a"):
            # another machine may add or remove objects at any moment: no cached listings
            kwargs["use_listings_cache"] = False
            endpoint = kwargs.pop("endpoint_url", None)  # any S3-compatible server
            if endpoint:
                kwargs["client_kwargs"] = {**(kwargs.get("client_kwargs") or {}), "endpoint_url": endpoint}
        self._fs = fsspec.filesystem(protocol, **kwargs)
        self._base = self._fs._strip_protocol(url).rstrip("/")
        self._verified = {}

    def __repr__(self) -> str:  # never the options: they hold the secret key
        return f"RemoteDatastore({self.url!r})"

    def path(self, digest: str) -> str:
        raise TypeError(f"{self.url} is not a local folder: read artifacts with open() or load()")

    def _key(self, digest: str) -> str:
        return f"{self._base}/objects/{digest[:2]}/{digest}"

    def _meta_path(self, digest: str) -> str:
        return f"{self._base}/meta/{digest}.json"

    def exists(self, digest: str) -> bool:
        """One request (a round trip to the server each): the metadata, which put_file() writes
        only once the object is whole, and quarantine() removes first. An object deleted behind
        the store's back is found missing when read (ArtifactMissing)."""
        return self._fs.exists(self._meta_path(digest))

    def intact(self, digest: str) -> bool:
        """Complete in the store. Its bytes are verified when a step or a download reads them
        (checking here would download every reused output at every submit)."""
        return self.exists(digest)

    def verify(self, digest: str) -> None:
        _discard(self.local_file(digest))

    def quarantine(self, digest: str, inode: int | None = None) -> None:
        self._verified.pop(digest, None)
        try:
            self._fs.rm_file(self._meta_path(digest))
        except FileNotFoundError:
            pass
        try:
            self._fs.mv(self._key(digest), f"{self._base}/quarantine/{digest}.{time.time_ns()}")
        except FileNotFoundError:
            pass

    def meta(self, digest: str) -> dict[str, Any]:
        try:
            return json.loads(self._fs.cat_file(self._meta_path(digest)))
        except FileNotFoundError:
            raise ArtifactMissing(digest) from None

    def size(self, digest: str) -> int:
        try:
            return int(self._fs.size(self._key(digest)))
        except FileNotFoundError:
            raise ArtifactMissing(digest) from None

    def temp_path(self, suffix: str = "") -> str:
        fd, path = tempfile.mkstemp(prefix="graphwright-", suffix=suffix)
        os.close(fd)
        return path

    def put_file(self, src: str, kind: str, meta: dict[str, Any] | None = None, move: bool = True) -> StoredArtifact:
        """Upload `src` under its digest, then its metadata. No half-written object is ever
        visible: the upload goes straight to the final key because S3 makes an object visible only
        whole (a single PutObject, or a multipart upload's CompleteMultipartUpload, which s3fs uses
        above its block size; an interrupted upload leaves nothing under the key), and exists()
        asks for the metadata, written after the object, besides. Equal content under equal keys
        makes two writers of one digest harmless."""
        try:
            digest, size = _hash_file(src)
            key = self._key(digest)
            meta = dict(meta or {}, kind=kind, size=size)
            placed = False
            if not self._fs.exists(key):
                self._fs.put_file(src, key)
                placed = True
            try:
                if placed or not self._fs.exists(self._meta_path(digest)):
                    self._fs.pipe_file(self._meta_path(digest), json.dumps(meta).encode())
            except BaseException:
                if placed:
                    try:
                        self._fs.rm_file(key)
                    except Exception:  # the write's own error is the one to report
                        pass
                raise
        finally:
            if move:
                _discard(src)
        return StoredArtifact(digest, kind, size, meta)

    def _copy_into(self, src: str, target: str) -> None:
        raise TypeError("a remote store uploads, it does not copy into a folder")

    def _write_meta(self, digest: str, meta: dict[str, Any]) -> bool:
        raise TypeError("a remote store writes metadata in put_file()")

    def local_file(self, digest: str) -> str:
        """A local temporary copy of the object, verified against its digest (the caller removes
        it; load() does so itself except for an AnyFile, whose path it hands out)."""
        tmp = self.temp_path()
        try:
            try:
                self._fs.get_file(self._key(digest), tmp)
            except FileNotFoundError:
                raise ArtifactMissing(digest) from None
            found, _ = _hash_file(tmp)
            if found != digest:
                self.quarantine(digest)
                raise CorruptArtifact(digest, found)
        except BaseException:
            _discard(tmp)
            raise
        return tmp

    def _release(self, path: str) -> None:
        _discard(path)

    def open(self, digest: str) -> BinaryIO:
        path = self.local_file(digest)
        try:
            return open(path, "rb")  # the file lives on while open
        finally:
            _discard(path)


def _hash_file(path: str) -> tuple[str, int]:
    """BLAKE3 of the file's bytes (256 bits, hex), read through a memory map: about 3x SHA-256's
    speed here, which matters when every step output is hashed once. One thread: steps run in
    processes forked from a warm parent, where a thread pool made before the fork would not exist."""
    size = os.path.getsize(path)
    h = blake3.blake3()
    if size:
        h.update_mmap(path)
    return h.hexdigest(), size


def write_parquet(df: Any, path: str) -> None:
    """`df` as Parquet, laid out for speed: columns without nulls are REQUIRED (no definition
    levels to encode or decode), floats are stored plain and uncompressed (Snappy wins nothing on
    them and halves the write speed), other columns Snappy-compressed, and only text columns get
    dictionary pages."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    # a column of no values (zero rows, or only missing ones) has Arrow's null type: always nullable
    fields = [f.with_nullable(False) if col.null_count == 0 and not pa.types.is_null(f.type) else f
              for f, col in zip(table.schema, table.columns)]
    metadata = dict(table.schema.metadata or {})
    attrs = _attrs_json(df)
    if attrs is not None:  # pandas' own key: pd.read_parquet restores df.attrs from it too
        metadata[b"PANDAS_ATTRS"] = attrs
    table = pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=metadata))
    text = [f.name for f in fields if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    compression = {f.name: "none" if pa.types.is_floating(f.type) else "snappy" for f in fields}
    pq.write_table(table, path, compression=compression or "snappy", use_dictionary=text or False)


def _attrs_json(df: Any) -> bytes | None:
    """`df.attrs` (column roles set by Edit Metadata, modules_catalog/columns.py) as JSON, or None
    when there are none or they are not plain JSON: they travel with the frame's bytes."""
    attrs = getattr(df, "attrs", None)
    if not attrs:
        return None
    try:
        return json.dumps(attrs, sort_keys=True, allow_nan=False).encode()
    except (TypeError, ValueError):
        return None


def read_parquet_frame(path: str) -> Any:
    """A stored frame, with the `df.attrs` it was written with."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    df = table.to_pandas()
    _restore_categories(df, (table.schema.metadata or {}).get(b"pandas"))
    attrs = (table.schema.metadata or {}).get(b"PANDAS_ATTRS")
    if attrs:
        try:
            df.attrs = json.loads(attrs)
        except ValueError:
            pass
    return df


def _restore_categories(df: Any, pandas_meta: bytes | None) -> None:
    """Categorical columns of numbers come back from Parquet as plain numbers (only text columns
    keep a dictionary type): make them categorical again, as pandas' metadata says they were."""
    if not pandas_meta or b'"categorical"' not in pandas_meta:
        return
    import pandas as pd

    for col in json.loads(pandas_meta).get("columns", []):
        name = col.get("name")
        if col.get("pandas_type") == "categorical" and name in df.columns \
                and not isinstance(df[name].dtype, pd.CategoricalDtype):
            ordered = bool((col.get("metadata") or {}).get("ordered"))
            df[name] = df[name].astype(pd.CategoricalDtype(ordered=ordered))


def dataframe_meta(df: Any) -> dict[str, Any]:
    """Row count, column types and statistics, and the first rows: everything a preview shows."""
    from modules_catalog.schema import dtype_kind

    from modules_catalog.columns import frame_roles

    roles = frame_roles(df)
    columns = [{"name": str(name), "dtype": (kind := dtype_kind(df[name].dtype)), "stats": _column_stats(df[name], kind),
                **({"role": roles[str(name)]} if str(name) in roles else {})}
               for name in df.columns]
    head = df.head(PREVIEW_ROWS)
    rows = json.loads(head.to_json(orient="values", date_format="iso", default_handler=str))
    return {"rows": len(df), "columns": columns, "preview": {"columns": [str(c) for c in df.columns], "rows": rows}}


MEDIAN_EXACT_ROWS = 200_000


def _median(values: Any) -> dict[str, Any]:
    """Exact median up to MEDIAN_EXACT_ROWS values; above, the median of an even stride sample
    (flagged), which keeps statistics at write time from costing more than the write itself."""
    import numpy as np

    if values.size <= MEDIAN_EXACT_ROWS:
        return {"median": _num(np.median(values))}
    step = values.size // MEDIAN_EXACT_ROWS + 1
    return {"median": _num(np.median(values[::step])), "median_sampled": True}


def _column_stats(s: Any, kind: str) -> dict[str, Any]:
    import numpy as np

    n = len(s)
    if kind in ("int", "float"):
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        present = values[~np.isnan(values)] if kind == "float" or s.hasnans else values
        stats: dict[str, Any] = {"count": int(present.size), "missing": n - int(present.size)}
        if present.size:
            stats.update(mean=_num(present.mean()), std=_num(present.std(ddof=1)) if present.size > 1 else None,
                         min=_num(present.min()), max=_num(present.max()), **_median(present))
        return stats
    missing = int(s.isna().sum())
    stats = {"count": n - missing, "missing": missing}
    if kind == "bool":
        stats["true"] = int(s.fillna(False).astype(bool).sum())
    else:
        counts = s.value_counts(dropna=True)
        stats["unique"] = int(counts.size)
        if counts.size:
            stats["top"] = str(counts.index[0])
    return stats


def object_meta(obj: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"python_type": f"{type(obj).__module__}.{type(obj).__qualname__}"}
    get_params = getattr(obj, "get_params", None)
    if callable(get_params):
        try:
            meta["params"] = _json_safe(get_params(deep=False))
        except Exception:  # a model whose params cannot be read still stores fine
            pass
    for attr in ("feature_names_in_", "label_column", "features"):
        value = getattr(obj, attr, None)
        if value is not None:
            meta[attr] = _json_safe(list(value) if not isinstance(value, str) else value)
    return meta


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _num(value)
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return _json_safe(value.item())
        if isinstance(value, np.ndarray):
            return _json_safe(value.tolist())
    except ImportError:
        pass
    return str(value)
