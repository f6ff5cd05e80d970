"""Content-addressed artifact storage: DataFrames as Parquet (with preview and statistics computed
once, at write time), models and transforms as pickles, metrics as JSON. No Django here: the
runner inside a child process uses it too."""
from __future__ import annotations

import errno
import json
import math
import os
import pickle
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

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
    pass


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


_handles: dict[str, "Datastore"] = {}


def open_datastore(root: str | None = None) -> "Datastore":
    """The process's one Datastore for `root` (settings.DATASTORE_ROOT by default): its
    constructor touches the disk, and every caller (web views, the engine, a step's process)
    shares it."""
    if root is None:
        from django.conf import settings

        root = settings.DATASTORE_ROOT
    key = os.path.abspath(root)
    ds = _handles.get(key)
    if ds is None:
        ds = _handles[key] = Datastore(key)
    return ds


class Datastore:
    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self._objects = os.path.join(self.root, "objects")
        self._meta = os.path.join(self.root, "meta")
        self._tmp = os.path.join(self.root, "tmp")
        for folder in (self._objects, self._meta, self._tmp):
            os.makedirs(folder, exist_ok=True)

    # -- paths -------------------------------------------------------------------------------
    def path(self, digest: str) -> str:
        return os.path.join(self._objects, digest[:2], digest)

    def exists(self, digest: str) -> bool:
        return os.path.exists(self.path(digest))

    def meta(self, digest: str) -> dict[str, Any]:
        try:
            with open(os.path.join(self._meta, f"{digest}.json")) as fh:
                return json.load(fh)
        except FileNotFoundError:
            raise ArtifactMissing(digest) from None

    def stored(self, digest: str, kind: str) -> StoredArtifact:
        """The record of an object already in the store."""
        meta = self.meta(digest)
        return StoredArtifact(digest, kind, os.path.getsize(self.path(digest)), meta)

    # -- writing -----------------------------------------------------------------------------
    def temp_path(self, suffix: str = "") -> str:
        fd, path = tempfile.mkstemp(dir=self._tmp, suffix=suffix)
        os.close(fd)
        return path

    def put_file(self, src: str, kind: str, meta: dict[str, Any] | None = None, move: bool = True) -> StoredArtifact:
        """Hash `src` and move (or copy) it into place; the object appears whole or not at all.
        Its metadata is written first: an object in the store always has it. On any error
        (a full disk) nothing half-written stays behind, and a moved `src` is removed."""
        try:
            digest, size = _hash_file(src)
            target = self.path(digest)
            meta = dict(meta or {}, kind=kind, size=size)
            wrote_meta = self._write_meta(digest, meta)
            if not os.path.exists(target):
                try:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    if move:
                        os.replace(src, target)
                    else:
                        self._copy_into(src, target)
                except BaseException:
                    if wrote_meta:  # no record of an object that is not there
                        _discard(self._meta_path(digest))
                    raise
        finally:
            if move:
                _discard(src)  # moved: gone already; failed: not kept
        return StoredArtifact(digest, kind, size, meta)

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

    def _meta_path(self, digest: str) -> str:
        return os.path.join(self._meta, f"{digest}.json")

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
    def load(self, digest: str, kind: str) -> Any:
        path = self.path(digest)
        if not os.path.exists(path):
            raise ArtifactMissing(digest)
        if kind == "DataFrame":
            return read_parquet_frame(path)
        if kind == "Metrics":
            with open(path) as fh:
                return json.load(fh)
        if kind == "AnyFile":
            return path
        with open(path, "rb") as fh:
            return pickle.load(fh)


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
