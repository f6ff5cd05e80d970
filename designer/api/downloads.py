"""Artifact bytes over HTTP: DataFrames as Parquet (or CSV, streamed batch by batch), models and
transforms as pickles, metrics as JSON."""
from __future__ import annotations

import mimetypes
import re
from typing import BinaryIO, Iterator

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from engine.datastore import ArtifactMissing, CorruptArtifact
from engine.selectors import datastore

CSV_BATCH_ROWS = 50_000
_FILES = {
    "DataFrame": (".parquet", "application/vnd.apache.parquet"),
    "Metrics": (".json", "application/json"),
    "AnyFile": ("", "application/octet-stream"),
}
_PICKLE = (".pkl", "application/octet-stream")

FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["parquet", "csv"], required=False,
    description="DataFrames only: `csv` converts the stored Parquet to CSV while streaming it",
)
DOWNLOAD_RESPONSES = {
    (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="the artifact's bytes"),
}


class _IgnoreFormatNegotiation(DefaultContentNegotiation):
    """`?format=csv` picks the file format here, not a DRF renderer; errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DownloadView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _IgnoreFormatNegotiation


def artifact_response(*, digest: str, kind: str, stem: str, fmt: str | None = None):
    """A download of artifact `digest` named `<stem>.<ext>`; `fmt="csv"` converts a DataFrame."""
    store = datastore()
    if not store.exists(digest):
        raise Http404(f"the bytes of artifact {digest} are no longer stored")
    fmt = (fmt or "").lower()
    if fmt == "csv":
        if kind != "DataFrame":
            raise serializers.ValidationError({"format": [f"only DataFrames convert to CSV; this is a {kind}"]})
        response = StreamingHttpResponse(_csv_chunks(_open(digest)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{stem}.csv")
        return response
    if fmt not in ("", "parquet", "native"):
        raise serializers.ValidationError({"format": [f"unknown format {fmt!r}; use 'parquet' or 'csv'"]})
    ext, content_type = _FILES.get(kind, _PICKLE)
    if kind == "AnyFile":
        ext, content_type = _file_type(digest)
    return FileResponse(_open(digest), as_attachment=True, filename=f"{stem}{ext}", content_type=content_type)


def _open(digest: str) -> BinaryIO:
    """The artifact's bytes, checked against its digest by the datastore (a corrupt one is set aside)."""
    try:
        return datastore().open(digest)
    except ArtifactMissing as exc:  # CorruptArtifact too: its message says what happened
        raise Http404(str(exc) if isinstance(exc, CorruptArtifact)
                      else f"the bytes of artifact {digest} are no longer stored") from None


def _file_type(digest: str) -> tuple[str, str]:
    """An AnyFile's extension, as the step that made it named it (engine/datastore.py), and its type."""
    try:
        suffix = str(datastore().meta(digest).get("suffix") or "")
    except FileNotFoundError:
        suffix = ""
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix):
        return "", "application/octet-stream"
    return suffix, mimetypes.types_map.get(suffix, "application/octet-stream")


def _csv_chunks(source: BinaryIO) -> Iterator[str]:
    import pyarrow.parquet as pq

    with source:
        parquet = pq.ParquetFile(source)
        header = True
        for batch in parquet.iter_batches(batch_size=CSV_BATCH_ROWS):
            yield batch.to_pandas().to_csv(index=False, header=header)
            header = False
        if header:  # no rows at all: still a header line
            yield parquet.schema_arrow.empty_table().to_pandas().to_csv(index=False)
