"""Chunked, resumable dataset uploads: a session per file, chunks appended in order to a part file
named by the session's random id, completion checked by size and SHA-256 and turned into a
dataset by the same dataset_create as a one-shot upload; abandoned sessions expire."""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import shutil
from datetime import timedelta
from pathlib import Path
from typing import IO, Iterator

from django.conf import settings
from django.core.files import File
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from .models import Dataset, Upload, Workspace
from .services import (NoSpace, ServiceError, UploadTooLarge, _require_editor, dataset_check_encoding,
                       dataset_check_filename, dataset_check_name, dataset_create, raise_if_disk_full,
                       too_large_message)

UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_OPEN_UPLOADS = 20  # per user: each may hold up to UPLOAD_MAX_BYTES of disk until it expires
READ_SIZE = 1 << 20


class UploadConflict(ServiceError):
    status_code = 409
    code = "offset_mismatch"


class TooManyUploads(ServiceError):
    status_code = 429
    code = "too_many_uploads"


# -- reads ------------------------------------------------------------------------------------

def upload_list(*, user) -> QuerySet[Upload]:
    """The user's own open sessions (to resume), in the workspaces they still belong to."""
    return Upload.objects.filter(created_by=user, status=Upload.Status.OPEN, workspace__memberships__user=user,
                                 updated_at__gte=_cutoff()).select_related("workspace")


def upload_get(*, user, upload_id: str) -> Upload:
    """A session of the user's (only its creator sees it); an expired one is gone."""
    if not UPLOAD_ID.fullmatch(upload_id or ""):
        raise Http404("upload session not found")
    upload = (Upload.objects.filter(pk=upload_id, created_by=user, workspace__memberships__user=user)
              .select_related("workspace", "dataset").first())
    if upload is None or (upload.status == Upload.Status.OPEN and upload.updated_at < _cutoff()):
        raise Http404(f"upload session {upload_id} not found (sessions expire "
                      f"{settings.UPLOAD_SESSION_TTL_SECONDS // 3600} hours after their last chunk)")
    return upload


def part_path(upload_id: str) -> Path:
    """Where a session's bytes go: named by the server-made id, never by a user's string."""
    if not UPLOAD_ID.fullmatch(upload_id):
        raise ValueError(f"not an upload id: {upload_id!r}")
    return Path(settings.UPLOAD_PARTS_DIR) / f"{upload_id}.part"


# -- writes -----------------------------------------------------------------------------------

def upload_create(*, workspace: Workspace, user, name: str, filename: str, size: int, sha256: str,
                  description: str = "", encoding: str | None = None) -> Upload:
    _require_editor(user=user, workspace=workspace)
    dataset_check_name(name=name)
    filename = dataset_check_filename(filename=filename)
    encoding = dataset_check_encoding(encoding=encoding) or ""
    sha256 = (sha256 or "").lower()
    if not SHA256.fullmatch(sha256):
        raise ServiceError("sha256 is the SHA-256 of the whole file: 64 hexadecimal digits", code="invalid",
                           field="sha256")
    if size <= 0:
        raise ServiceError("the file is empty: size must be at least 1 byte", code="empty_file", field="size")
    if size > settings.UPLOAD_MAX_BYTES:
        raise UploadTooLarge(too_large_message(size), field="size")
    upload_expire()
    if Upload.objects.filter(created_by=user, status=Upload.Status.OPEN).count() >= MAX_OPEN_UPLOADS:
        raise TooManyUploads(f"you have {MAX_OPEN_UPLOADS} unfinished uploads; complete or delete one first")
    folder = Path(settings.UPLOAD_PARTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(folder).free < size:
        raise NoSpace(f"no space left on device for a file of {size} bytes; try again once an administrator "
                      "has freed space")
    upload_id = secrets.token_hex(16)
    os.close(os.open(part_path(upload_id), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        return Upload.objects.create(id=upload_id, workspace=workspace, created_by=user, name=name,
                                     description=description, filename=filename, encoding=encoding, size=size,
                                     sha256=sha256, updated_at=timezone.now())
    except BaseException:
        part_path(upload_id).unlink(missing_ok=True)
        raise


def upload_append(*, upload: Upload, user, offset: int, body: IO[bytes], length: int | None = None,
                  total: int | None = None) -> Upload:
    """Write the chunk `body` at `offset`, which must be exactly the bytes received so far (chunks
    come in order; a lost answer is resumed from `received`). `length` and `total` are what the
    client declared (Content-Length, Content-Range) and must agree with the session."""
    _require_editor(user=user, workspace=upload.workspace)
    if total is not None and total != upload.size:
        raise ServiceError(f"the chunk says the file has {total} bytes, the session {upload.size}",
                           code="size_mismatch", field="Content-Range")
    limit = settings.REQUEST_BODY_MAX_BYTES
    if length is not None and length > limit:
        raise UploadTooLarge(f"a chunk may have at most {limit} bytes (REQUEST_BODY_MAX_BYTES), not {length}")
    with _locked_part(upload) as fd:
        upload.refresh_from_db(fields=["received", "status"])
        _require_open(upload)
        if offset != upload.received:
            raise UploadConflict(f"{upload.received} of {upload.size} bytes are stored: the next chunk starts at "
                                 f"offset {upload.received}, not {offset}", field="offset")
        if length is not None and offset + length > upload.size:
            raise _past_the_end(upload, offset + length)
        written = _write_chunk(fd, offset=offset, body=body, room=upload.size - offset, limit=limit, upload=upload)
        if written == 0 or (length is not None and written != length):
            os.ftruncate(fd, offset)
            raise ServiceError(f"the chunk had {written} bytes" + (f", not the {length} announced" if length else ""),
                               code="invalid_chunk", field="body")
        upload.received, upload.updated_at = offset + written, timezone.now()
        Upload.objects.filter(pk=upload.pk).update(received=upload.received, updated_at=upload.updated_at)
    return upload


def upload_complete(*, upload: Upload, user, encoding: str | None = None) -> tuple[Dataset, bool]:
    """Check the assembled file's size and SHA-256 and register it as a dataset; (dataset, created).
    Completing twice answers the same dataset. A checksum mismatch discards the session (its bytes
    are wrong); a file the parser refuses keeps it, to be completed again (with an encoding) or deleted."""
    _require_editor(user=user, workspace=upload.workspace)
    encoding = dataset_check_encoding(encoding=encoding or upload.encoding or None)
    if upload.status == Upload.Status.COMPLETED:
        return _completed_dataset(upload), False
    with _locked_part(upload) as fd:
        upload.refresh_from_db()
        if upload.status == Upload.Status.COMPLETED:
            return _completed_dataset(upload), False
        if upload.received != upload.size:
            raise ServiceError(f"the upload is incomplete: {upload.received} of {upload.size} bytes received; "
                               f"send the rest from offset {upload.received}", code="incomplete", field="size")
        on_disk = os.fstat(fd).st_size
        digest = _sha256(fd) if on_disk == upload.size else None
        if digest != upload.sha256:
            _discard(upload)
            found = f"SHA-256 is {digest}" if digest else f"size is {on_disk} bytes"
            raise ServiceError(f"the received file's {found}, not the declared "
                               f"{upload.sha256 if digest else upload.size}; the upload was discarded: start a new one",
                               code="checksum_mismatch" if digest else "size_mismatch",
                               field="sha256" if digest else "size")
        with os.fdopen(os.dup(fd), "rb") as fh:
            dataset = dataset_create(workspace=upload.workspace, user=user, name=upload.name,
                                     file=_NamedFile(fh, upload.filename, upload.size),
                                     description=upload.description, encoding=encoding)
        Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.COMPLETED, dataset=dataset,
                                                   updated_at=timezone.now())
        part_path(upload.pk).unlink(missing_ok=True)
    return dataset, True


def upload_delete(*, upload: Upload, user) -> None:
    _require_editor(user=user, workspace=upload.workspace)
    _discard(upload)


def upload_expire(*, now=None) -> int:
    """Delete sessions without a chunk for UPLOAD_SESSION_TTL_SECONDS and their part files, and part
    files left without a session (a crash between the two). Runs whenever a session is created,
    and from `manage.py expire_uploads` (cron). Returns how many sessions went."""
    cutoff = _cutoff(now)
    stale = list(Upload.objects.filter(updated_at__lt=cutoff).values_list("pk", flat=True))
    for upload_id in stale:
        part_path(upload_id).unlink(missing_ok=True)
    Upload.objects.filter(pk__in=stale).delete()
    with contextlib.suppress(FileNotFoundError), os.scandir(settings.UPLOAD_PARTS_DIR) as entries:
        for entry in entries:
            upload_id = entry.name.removesuffix(".part")
            if (UPLOAD_ID.fullmatch(upload_id) and entry.stat().st_mtime < cutoff.timestamp()
                    and not Upload.objects.filter(pk=upload_id).exists()):
                os.unlink(entry.path)
    return len(stale)


# -- helpers ----------------------------------------------------------------------------------

class _NamedFile(File):
    """The part file as dataset_create sees an upload: the user's file name and the known size."""

    def __init__(self, fh: IO[bytes], name: str, size: int) -> None:
        super().__init__(fh, name=name)
        self.size = size


def _cutoff(now=None):
    return (now or timezone.now()) - timedelta(seconds=settings.UPLOAD_SESSION_TTL_SECONDS)


def _require_open(upload: Upload) -> None:
    if upload.status != Upload.Status.OPEN:
        raise UploadConflict("this upload is already complete", code="upload_completed")


def _completed_dataset(upload: Upload) -> Dataset:
    if upload.dataset_id is None:
        raise UploadConflict("this upload was completed, and its dataset has since been deleted",
                             code="upload_completed")
    return Dataset.objects.get(pk=upload.dataset_id)


def _past_the_end(upload: Upload, end: int) -> ServiceError:
    return ServiceError(f"the chunk ends at byte {end}, past the declared size of {upload.size} bytes",
                        code="past_declared_size", field="offset")


@contextlib.contextmanager
def _locked_part(upload: Upload) -> Iterator[int]:
    """The session's part file, opened and locked: one writer at a time, in any process."""
    try:
        fd = os.open(part_path(upload.pk), os.O_RDWR)
    except FileNotFoundError:
        raise Http404(f"upload session {upload.pk} has no data any more (it expired or was deleted)") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadConflict("another request is writing or completing this upload; retry when it is done",
                                 code="upload_busy") from None
        yield fd
    finally:
        os.close(fd)  # also releases the lock


def _write_chunk(fd: int, *, offset: int, body: IO[bytes], room: int, limit: int, upload: Upload) -> int:
    """Append `body` at `offset`; on any failure the file is cut back to `offset`, so a chunk is
    either wholly stored or not at all."""
    os.ftruncate(fd, offset)  # drops the tail of a chunk written before a crash, never recorded
    os.lseek(fd, offset, os.SEEK_SET)
    written = 0
    try:
        while piece := body.read(READ_SIZE):
            written += len(piece)
            if written > room:
                raise _past_the_end(upload, offset + written)
            if written > limit:
                raise UploadTooLarge(f"a chunk may have at most {limit} bytes (REQUEST_BODY_MAX_BYTES)")
            view = memoryview(piece)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)  # what `received` counts must survive a crash
    except BaseException as exc:
        os.ftruncate(fd, offset)
        if isinstance(exc, OSError):
            raise_if_disk_full(exc)
        raise
    return written


def _sha256(fd: int) -> str:
    digest = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    while block := os.read(fd, READ_SIZE):
        digest.update(block)
    return digest.hexdigest()


def _discard(upload: Upload) -> None:
    part_path(upload.pk).unlink(missing_ok=True)
    Upload.objects.filter(pk=upload.pk).delete()
