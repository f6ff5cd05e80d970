"""Writes of the designer: workspaces, drafts (with optimistic concurrency), pipeline versions,
submits and dataset uploads. Every function takes keyword-only arguments."""
from __future__ import annotations

import codecs
import os
import re
import warnings
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.text import slugify

from engine import selectors as engine_selectors
from engine import services as engine_services
from engine.compiler import CompileError, canonical_document, compile_document, document_digest, validate_document
from engine.datastore import is_disk_full
from engine.documents import shape_errors
from engine.experiments import experiment_name
from engine.models import Run
from engine.plan import Plan

from .models import Dataset, Draft, Membership, PipelineVersion, Workspace
from .selectors import dataset_resolver, learned_schemas, membership_role

EMPTY_DOCUMENT: dict[str, Any] = {"schema_version": 1, "parameters": [], "nodes": [], "edges": []}
DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
CSV_EXTENSIONS = {".csv": ",", ".tsv": "\t", ".txt": ","}
PARQUET_EXTENSIONS = {".parquet", ".pq"}
PARQUET_MAGIC = b"PAR1"
ENCODING_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")


class ServiceError(Exception):
    """A request the designer refuses, with a code, a human message and optional pointer fields."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **pointers: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.pointers = pointers

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.pointers}


class NotAllowed(ServiceError):
    status_code = 403
    code = "permission_denied"


class DraftConflict(ServiceError):
    status_code = 409
    code = "revision_conflict"


class UploadTooLarge(ServiceError):
    status_code = 413
    code = "too_large"


class NoSpace(ServiceError):
    status_code = 507
    code = "no_space"


# -- workspaces -------------------------------------------------------------------------------

def workspace_create(*, user, name: str, slug: str | None = None) -> Workspace:
    """A new workspace whose creator is its owner; without a slug one is derived from the name."""
    if slug:
        if Workspace.objects.filter(slug=slug).exists():
            raise ServiceError(f"the slug {slug!r} is taken; choose another", code="slug_taken", field="slug")
        candidates = [slug]
    else:
        base = slugify(name)[:90] or "workspace"
        candidates = [base] + [f"{base}-{i}" for i in range(2, 200)]
    for candidate in candidates:
        try:
            with transaction.atomic():
                workspace = Workspace.objects.create(name=name, slug=candidate)
                Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.OWNER)
                return workspace
        except IntegrityError:
            continue
    raise ServiceError(f"could not find a free slug for {name!r}; give one explicitly", code="slug_taken", field="slug")


def _require_editor(*, user, workspace: Workspace) -> None:
    if membership_role(user=user, workspace=workspace) not in (Membership.Role.OWNER, Membership.Role.EDITOR):
        raise NotAllowed(f"you can read workspace {workspace.slug!r} but not change it (viewer role)")


# -- drafts -----------------------------------------------------------------------------------

def document_check_shape(*, document: Any) -> None:
    """Raise CompileError when `document` is not a graph document at all; semantic errors pass.
    Only the shape check of the compiler runs: saves come often (autosave) and must stay cheap."""
    errors = [e for e in shape_errors(document) if e["code"] == "invalid_document"]
    if errors:
        raise CompileError(errors)


def draft_create(*, workspace: Workspace, user, name: str, description: str = "",
                 document: dict[str, Any] | None = None) -> Draft:
    _require_editor(user=user, workspace=workspace)
    if document is None:
        document = dict(EMPTY_DOCUMENT, name=name)
    document_check_shape(document=document)
    return Draft.objects.create(workspace=workspace, name=name, description=description, document=document,
                                created_by=user)


def draft_update(*, draft: Draft, user, data: dict[str, Any], revision: int | None = None) -> Draft:
    """Save `data` (name, description, document) over the draft; with `revision`, only if nobody
    saved in between (409 otherwise), so no edit is ever silently lost."""
    _require_editor(user=user, workspace=draft.workspace)
    fields = {k: data[k] for k in ("name", "description", "document") if k in data}
    if "document" in fields:
        document_check_shape(document=fields["document"])
    with transaction.atomic():
        current = Draft.objects.select_for_update().get(pk=draft.pk)
        if revision is not None and revision != current.revision:
            raise DraftConflict(
                f"this draft was saved by someone else since you loaded it (you edited revision {revision}, "
                f"the current one is {current.revision}); reload it and apply your changes again",
                field="revision", current_revision=current.revision,
            )
        for key, value in fields.items():
            setattr(current, key, value)
        current.revision = F("revision") + 1
        current.save()
    current.refresh_from_db()
    return current


def draft_delete(*, draft: Draft, user) -> None:
    _require_editor(user=user, workspace=draft.workspace)
    draft.delete()


# -- versions and runs ------------------------------------------------------------------------

def document_validate(*, workspace: Workspace, document: Any, params: dict[str, Any] | None = None,
                      draft: Draft | None = None) -> list[dict]:
    """Every compile error of `document` for `params`, datasets resolved in `workspace`; for a `draft`,
    checked also against the columns its last runs produced where a module cannot infer them."""
    return validate_document(document, params=params, resolve_dataset=dataset_resolver(workspace=workspace),
                             learned=learned_schemas(workspace=workspace, draft=draft))


def version_snapshot(*, workspace: Workspace, user, document: dict[str, Any], name: str,
                     draft: Draft | None = None) -> PipelineVersion:
    """The immutable version holding `document`'s canonical form; equal documents share one. It keeps
    `document` as drawn too (positions, labels, comments), as the first snapshot of it had it; a
    version made before that was kept takes this one's."""
    digest = document_digest(document)
    defaults = {"name": name, "draft_id": draft.pk if draft is not None else None, "document": canonical_document(document), "created_by": user,
                "source_document": document}
    try:
        with transaction.atomic():
            version, _ = PipelineVersion.objects.get_or_create(workspace=workspace, digest=digest, defaults=defaults)
    except IntegrityError:  # a concurrent submit of the same document created it first
        version = PipelineVersion.objects.get(workspace=workspace, digest=digest)
    if version.source_document is None:
        PipelineVersion.objects.filter(pk=version.pk, source_document__isnull=True).update(source_document=document)
        version.source_document = document
    return version


def forget_draft(sender, instance: Draft, **kwargs) -> None:
    """A deleted draft: the runs and versions made from it keep no reference to it (they outlive it)."""
    Run.objects.filter(draft_id=instance.pk).update(draft_id=None)
    PipelineVersion.objects.filter(draft_id=instance.pk).update(draft_id=None)


def draft_submit(*, draft: Draft, user, params: dict[str, Any] | None = None, force: bool = False,
                 experiment: str | None = None) -> tuple[Run, PipelineVersion]:
    """Validate the draft, snapshot it into a version and start a run of it."""
    _require_editor(user=user, workspace=draft.workspace)
    experiment = experiment_check(experiment=experiment)
    # compiled once, before the version exists: an invalid draft leaves nothing behind
    plan = compile_document(draft.document, params=params, resolve_dataset=dataset_resolver(workspace=draft.workspace))
    version = version_snapshot(workspace=draft.workspace, user=user, document=draft.document,
                               name=draft.name, draft=draft)
    run = version_submit(version=version, user=user, params=params, force=force, plan=plan, experiment=experiment,
                         draft=draft, drawn_document=draft.document)
    return run, version


def version_submit(*, version: PipelineVersion, user, params: dict[str, Any] | None = None,
                   force: bool = False, plan: Plan | None = None, experiment: str | None = None,
                   draft: Draft | None = None, drawn_document: dict[str, Any] | None = None) -> Run:
    """Run `version` under `experiment` (None: the default one), as a run of `draft` (None: the
    draft the version was snapshotted from); `plan`: its compiled plan for these params when the
    caller has it already; `drawn_document`: the document as drawn for this submit (kept on the run
    when the version's own drawing differs)."""
    _require_editor(user=user, workspace=version.workspace)
    return engine_services.run_submit(
        workspace=version.workspace, version=version, params=params or {}, force=force, user=user,
        resolve_dataset=dataset_resolver(workspace=version.workspace), plan=plan,
        experiment=experiment_check(experiment=experiment), draft=draft,
        drawn_document=drawn_document if drawn_document != version.source_document else None,
    )


def experiment_check(*, experiment: str | None) -> str:
    """The experiment a run goes under (the default one for None or blank); a 400 naming the rule."""
    try:
        return experiment_name(experiment)
    except ValueError as exc:
        raise ServiceError(str(exc), code="invalid_experiment", field="experiment") from None


def plan_explain(*, workspace: Workspace, document: dict[str, Any], params: dict[str, Any] | None = None,
                 force: bool = False) -> list[dict[str, Any]]:
    return engine_services.plan_explain(workspace=workspace, document=document, params=params or {}, force=force,
                                        resolve_dataset=dataset_resolver(workspace=workspace))


def run_cancel(*, run: Run, user) -> Run:
    _require_editor(user=user, workspace=run.workspace)
    return engine_services.run_cancel(run=run)


# -- datasets ---------------------------------------------------------------------------------

def dataset_create(*, workspace: Workspace, user, name: str, file: Any, description: str = "",
                   encoding: str | None = None) -> Dataset:
    """Parse an uploaded CSV or Parquet file, store it as Parquet and register it as the next
    version of `name` in `workspace`. A CSV's encoding is `encoding` when given, else detected."""
    _require_editor(user=user, workspace=workspace)
    dataset_check_name(name=name)
    filename = os.path.basename(getattr(file, "name", "") or "")
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise UploadTooLarge(too_large_message(file.size), field="file")
    if file.size == 0:
        raise ServiceError(f"the file {filename!r} is empty", code="empty_file", field="file")
    encoding = dataset_check_encoding(encoding=encoding)
    source_format, separator = _detect_format(file, filename)
    if source_format == "csv":
        df = _read_csv(file, filename, separator, encoding or _detect_encoding(file, filename))
    else:
        df = _read_parquet(file, filename)
    try:
        stored = engine_selectors.datastore().put_dataframe(df)
    except (ValueError, TypeError) as exc:  # pyarrow's ArrowInvalid / ArrowTypeError derive from these
        raise ServiceError(f"{filename!r} has columns that cannot be stored or summarised as a table: {exc}",
                           code="unsupported_data", field="file") from None
    except OSError as exc:
        raise_if_disk_full(exc)
        raise
    artifact = engine_services.artifact_register(workspace=workspace, stored=stored)
    for _ in range(5):
        try:
            with transaction.atomic():
                latest = Dataset.objects.filter(workspace=workspace, name=name).aggregate(v=Max("version"))["v"]
                return Dataset.objects.create(
                    workspace=workspace, name=name, version=(latest or 0) + 1, description=description,
                    artifact=artifact, source_format=source_format, original_filename=filename[:255],
                    created_by=user,
                )
        except IntegrityError:  # a concurrent upload took this version number; take the next one
            continue
    raise ServiceError(f"too many concurrent uploads of {name!r}; try again", code="conflict")


def dataset_check_name(*, name: str) -> None:
    if not DATASET_NAME.fullmatch(name or ""):
        raise ServiceError("a dataset name is 1-100 letters, digits, '_', '-' or '.', starting with a letter or digit",
                           code="invalid_name", field="name")


def dataset_check_encoding(*, encoding: str | None) -> str | None:
    """A text encoding Python knows (normalised), or None for "detect it"; a 400 otherwise."""
    if not encoding:
        return None
    try:
        info = codecs.lookup(encoding) if ENCODING_NAME.fullmatch(encoding) else None
        # the flag str.encode checks: byte-to-byte codecs such as base64 or zlib are not text
        if info is None or not getattr(info, "_is_text_encoding", True):
            raise LookupError(encoding)
        return info.name
    except LookupError:
        raise ServiceError(f"{encoding[:50]!r} is not a text encoding Python knows; try utf-8, latin-1, cp1252, "
                           "utf-16 or leave it out to have it detected", code="unknown_encoding",
                           field="encoding") from None


def dataset_check_filename(*, filename: str) -> str:
    """The base name of an upload, refused early when its extension is not a table format."""
    name = os.path.basename(filename or "")
    if not name or len(name) > 255 or any(ord(c) < 32 for c in name):
        raise ServiceError("a file name is 1-255 printable characters", code="invalid_filename", field="filename")
    ext = os.path.splitext(name)[1].lower()
    if ext and ext not in CSV_EXTENSIONS and ext not in PARQUET_EXTENSIONS:
        raise ServiceError(_unsupported_message(ext), code="unsupported_format", field="filename")
    return name


def raise_if_disk_full(exc: OSError) -> None:
    if is_disk_full(exc):  # also Arrow's way of saying it
        raise NoSpace("no space left on device: the server's disk is full, and nothing of what this request "
                      "sent was kept; try again once an administrator has freed space") from None


def too_large_message(size: int) -> str:
    limit = settings.UPLOAD_MAX_BYTES
    return f"the upload is {_human(size)}, larger than the limit of {_human(limit)} ({limit} bytes)"


def _unsupported_message(ext: str) -> str:
    return f"files of type {ext!r} are not supported; upload a CSV (.csv, .tsv) or Parquet (.parquet) file"


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def _detect_format(file: Any, filename: str) -> tuple[str, str]:
    """("csv", separator) or ("parquet", ""): Parquet's magic bytes win, then the extension."""
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    ext = os.path.splitext(filename)[1].lower()
    if head == PARQUET_MAGIC:
        return "parquet", ""
    if ext in PARQUET_EXTENSIONS:
        raise ServiceError(f"{filename!r} is not a readable Parquet file (it does not start with the Parquet "
                           "magic bytes)", code="unreadable_parquet", field="file")
    if ext in CSV_EXTENSIONS:
        return "csv", CSV_EXTENSIONS[ext]
    if ext:
        raise ServiceError(_unsupported_message(ext), code="unsupported_format", field="file")
    return "csv", ","


def _detect_encoding(file: IO[bytes], filename: str) -> str:
    """UTF-8 when the whole file is valid UTF-8 (checked in blocks, cheap next to parsing);
    otherwise charset-normalizer's guess from the head and the text around the first byte that is
    not UTF-8. Among equally good single-byte guesses Windows-1252 wins: the encoding of most
    legacy CSV exports, and a superset of Latin-1's letters."""
    import charset_normalizer

    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    offset, bad = 0, None
    while bad is None:
        block = file.read(1 << 20)
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            bad = offset + max(exc.start, 0)
        nul = block.find(b"\0")
        if nul >= 0:  # valid UTF-8, but no CSV holds NULs: UTF-16 without a byte order mark
            bad = offset + nul if bad is None else min(bad, offset + nul)
        if not block:
            break
        offset += len(block)
    if bad is None:
        return "utf-8-sig"
    start = max(0, bad - (1 << 15))  # the window around the first non-UTF-8 byte, after the head
    file.seek(0)
    head = file.read(min(start, 1 << 16))
    file.seek(start)
    sample = head + (b"\n" if len(head) < start else b"") + file.read(1 << 16)
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None:
        raise ServiceError(f"{filename!r} could not be decoded as text: it looks like binary data. Upload a CSV "
                           "file, or give its encoding in the 'encoding' field", code="undecodable", field="file")
    for match in matches:
        if (match.chaos, match.coherence) == (best.chaos, best.coherence) and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return best.encoding


def _read_csv(file: IO[bytes], filename: str, separator: str, encoding: str):
    import pandas as pd

    file.seek(0)
    try:
        with warnings.catch_warnings():
            # index_col=False: a first data line with more fields than the header is an error,
            # not a silent row index made of its first column
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # the raw file: pandas takes a Django File for a text stream and decodes it as UTF-8
            return pd.read_csv(getattr(file, "file", file), sep=separator, encoding=encoding,
                               encoding_errors="strict", low_memory=False, index_col=False)
    except pd.errors.ParserWarning:
        raise ServiceError(f"{filename!r} is not a well-formed CSV file: a line has more fields than the "
                           "header names; every line must have at most as many fields as the header",
                           code="malformed_csv", field="file") from None
    except UnicodeDecodeError as exc:
        raise ServiceError(f"{filename!r} could not be decoded as {encoding} ({exc.reason}); give the file's "
                           "encoding in the 'encoding' field (for example utf-8, cp1252, latin-1, utf-16)",
                           code="undecodable", field="file") from None
    except pd.errors.EmptyDataError:
        raise ServiceError(f"{filename!r} has no columns: the CSV file holds no header line",
                           code="empty_file", field="file") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise ServiceError(f"{filename!r} is not a well-formed CSV file: {str(exc).strip()}",
                           code="malformed_csv", field="file") from None


def _read_parquet(file: IO[bytes], filename: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    file.seek(0)
    try:
        return pq.read_table(file).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ServiceError(f"{filename!r} is not a readable Parquet file: {exc}", code="unreadable_parquet",
                           field="file") from None

