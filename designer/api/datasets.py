"""Datasets: upload CSV or Parquet in one request (streamed to disk, size-limited; larger files in
chunks: uploads.py), list, preview (rows and column statistics) and download."""
from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import Http404
from django.core.files.uploadhandler import FileUploadHandler
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.models import Dataset
from designer.selectors import dataset_get, dataset_list
from designer.services import dataset_create, raise_if_disk_full

from engine.datastore import ArtifactMissing, CorruptArtifact
from engine.selectors import datastore

from .common import (COUNT_FIELD, PAGE_PARAMETERS, ErrorListSerializer, UsernameField, WorkspaceSlugField, int_param,
                     int_parameter, page_of, paginated, workspace_filter, workspace_for_create)
from .downloads import DOWNLOAD_RESPONSES, FORMAT_PARAMETER, DownloadView, artifact_response
from .errors import PayloadTooLarge

MULTIPART_SLACK = 1 << 20  # room for the other form fields and multipart boundaries


def _too_large(size: int | None = None) -> PayloadTooLarge:
    limit = settings.UPLOAD_MAX_BYTES
    seen = f" (at least {size} bytes)" if size else ""
    return PayloadTooLarge(f"the upload is larger than the limit of {limit} bytes{seen}; "
                           "upload a smaller file or ask an administrator to raise UPLOAD_MAX_BYTES")


class _SizeLimitHandler(FileUploadHandler):
    """Stops reading a file as soon as it passes UPLOAD_MAX_BYTES, before it fills the disk."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.UPLOAD_MAX_BYTES:
            raise _too_large(start + len(raw_data))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class DatasetOutputSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField()
    digest = serializers.CharField(source="artifact_id", read_only=True)
    size = serializers.IntegerField(source="artifact.size", read_only=True)
    rows = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        fields = ["id", "workspace", "name", "version", "description", "digest", "size", "rows", "source_format",
                  "original_filename", "created_by", "created_at"]
        ref_name = "Dataset"
        extra_kwargs = {"version": COUNT_FIELD}

    def get_rows(self, dataset: Dataset) -> int | None:
        return dataset.artifact.meta.get("rows")


class DatasetDetailOutputSerializer(DatasetOutputSerializer):
    columns = serializers.JSONField(source="artifact.meta.columns", read_only=True,
                                    help_text="[{name, dtype, stats}] computed when the data was stored")
    preview = serializers.JSONField(source="artifact.meta.preview", read_only=True,
                                    help_text="{columns, rows}: the first rows")

    class Meta(DatasetOutputSerializer.Meta):
        fields = DatasetOutputSerializer.Meta.fields + ["columns", "preview"]
        ref_name = "DatasetDetail"


class DatasetListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        workspace = serializers.SlugField(required=False, help_text="workspace slug; default: your first workspace")
        name = serializers.CharField(max_length=100, help_text="versions accumulate under one name")
        description = serializers.CharField(required=False, allow_blank=True, default="")
        file = serializers.FileField(
            help_text="CSV (.csv, .tsv) or Parquet (.parquet), the whole request within REQUEST_BODY_MAX_BYTES; "
                      "larger files go in chunks through /api/v1/uploads/",
            error_messages={"required": "attach the data as a multipart field named 'file' (CSV or Parquet)",
                            "empty": "the uploaded file is empty"},
        )
        encoding = serializers.CharField(required=False, allow_blank=True, max_length=40, default="",
                                         help_text="a CSV's text encoding (utf-8, cp1252, ...); default: detected")

        class Meta:
            ref_name = "DatasetUploadInput"

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Before authentication: a session's CSRF check may already read the multipart body.
        if request.method == "POST":
            length = request.META.get("CONTENT_LENGTH") or ""
            if length.isascii() and length.isdigit() and int(length) > settings.REQUEST_BODY_MAX_BYTES:
                raise PayloadTooLarge(f"the request body is larger than the limit of {settings.REQUEST_BODY_MAX_BYTES} "
                                      "bytes (REQUEST_BODY_MAX_BYTES); upload the file in chunks through "
                                      "/api/v1/uploads/")
            if length.isascii() and length.isdigit() and int(length) > settings.UPLOAD_MAX_BYTES + MULTIPART_SLACK:
                raise _too_large(int(length))
            request.upload_handlers.insert(0, _SizeLimitHandler(request._request))
        super().initial(request, *args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("workspace", str, description="workspace slug"),
                               OpenApiParameter("name", str, description="only versions of this name"),
                               *PAGE_PARAMETERS],
                   operation_id="v1_datasets_list", responses=page_of(DatasetOutputSerializer))
    def get(self, request: Request) -> Response:
        qs = dataset_list(user=request.user, workspace=workspace_filter(request),
                          name=request.query_params.get("name") or None)
        return paginated(request=request, view=self, queryset=qs, serializer_class=DatasetOutputSerializer)

    @extend_schema(request={"multipart/form-data": InputSerializer},
                   responses={201: DatasetDetailOutputSerializer, 400: ErrorListSerializer, 413: ErrorListSerializer,
                              507: ErrorListSerializer})
    def post(self, request: Request) -> Response:
        try:
            body = request.data  # the file is written to FILE_UPLOAD_TEMP_DIR while it is parsed
        except OSError as exc:
            raise_if_disk_full(exc)
            raise
        serializer = self.InputSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = workspace_for_create(user=request.user, slug=data.get("workspace"))
        dataset = dataset_create(workspace=workspace, user=request.user, name=data["name"], file=data["file"],
                                 description=data["description"], encoding=data["encoding"] or None)
        return Response(DatasetDetailOutputSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetDetailApi(APIView):
    @extend_schema(responses=DatasetDetailOutputSerializer)
    def get(self, request: Request, dataset_id: int) -> Response:
        return Response(DatasetDetailOutputSerializer(dataset_get(user=request.user, dataset_id=dataset_id)).data)


class DatasetDownloadApi(DownloadView):
    @extend_schema(parameters=[FORMAT_PARAMETER], responses=DOWNLOAD_RESPONSES)
    def get(self, request: Request, dataset_id: int):
        dataset = dataset_get(user=request.user, dataset_id=dataset_id)
        return artifact_response(digest=dataset.artifact_id, kind="DataFrame",
                                 stem=f"{dataset.name}_v{dataset.version}", fmt=request.query_params.get("format"))


PREVIEW_DEFAULT_ROWS = 50
PREVIEW_MAX_ROWS = 500
TOP_VALUES = 5
COUNTED_ROWS_MAX = 100_000  # top values are counted over at most this many rows, read from the file's start
TEXT_KINDS = ("string", "category")


class TopValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()

    class Meta:
        ref_name = "DatasetTopValue"


class ColumnStatisticsSerializer(serializers.Serializer):
    name = serializers.CharField()
    dtype = serializers.CharField(help_text="int, float, bool, datetime, category or string")
    stats = serializers.JSONField(help_text="over every row: count, missing; numbers: mean, std, min, max, median; "
                                            "text: unique (distinct values), top; bool: true")
    top_values = TopValueSerializer(many=True, allow_null=True,
                                    help_text=f"text columns: the {TOP_VALUES} most frequent values (null otherwise)")

    class Meta:
        ref_name = "DatasetColumnStatistics"


class DatasetPreviewSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="rows in the whole dataset")
    counted_rows = serializers.IntegerField(help_text="rows the top values were counted over")
    columns = ColumnStatisticsSerializer(many=True)
    preview = serializers.JSONField(help_text="{columns, rows}: the first rows")

    class Meta:
        ref_name = "DatasetPreview"


class DatasetPreviewApi(APIView):
    @extend_schema(parameters=[int_parameter("rows", f"how many first rows (default {PREVIEW_DEFAULT_ROWS}, "
                                                     f"at most {PREVIEW_MAX_ROWS})")],
                   responses={200: DatasetPreviewSerializer, 404: ErrorListSerializer},
                   description="The first rows and every column's type and statistics, with the most frequent "
                               f"values of text columns (counted over the first {COUNTED_ROWS_MAX} rows).")
    def get(self, request: Request, dataset_id: int) -> Response:
        dataset = dataset_get(user=request.user, dataset_id=dataset_id)
        rows = int_param(request, "rows", maximum=PREVIEW_MAX_ROWS) or PREVIEW_DEFAULT_ROWS
        return Response(dataset_preview(dataset=dataset, rows=rows))


def dataset_preview(*, dataset: Dataset, rows: int) -> dict[str, Any]:
    """Read from the stored Parquet: the first `rows` rows, and the top values of text columns over
    at most COUNTED_ROWS_MAX rows; the whole-data statistics come from the artifact's metadata."""
    import pyarrow.parquet as pq

    try:
        source = datastore().open(dataset.artifact_id)  # checked against its digest (a corrupt one is set aside)
    except ArtifactMissing as exc:
        raise Http404(str(exc) if isinstance(exc, CorruptArtifact)
                      else f"the data of dataset {dataset.name} v{dataset.version} is no longer stored") from None
    with source:
        return _preview(pq.ParquetFile(source), dataset, rows)


def _preview(parquet: Any, dataset: Dataset, rows: int) -> dict[str, Any]:
    meta = dataset.artifact.meta or {}
    columns = meta.get("columns") or []
    text = [c["name"] for c in columns if c.get("dtype") in TEXT_KINDS]
    head = _first_rows(parquet, rows, columns=None)
    counted = _first_rows(parquet, COUNTED_ROWS_MAX, columns=text) if text else None
    return {
        "rows": parquet.metadata.num_rows,
        "counted_rows": len(counted) if counted is not None else 0,
        "columns": [{"name": c["name"], "dtype": c.get("dtype"), "stats": c.get("stats") or {},
                     "top_values": _top_values(counted[c["name"]]) if c["name"] in text else None}
                    for c in columns],
        "preview": {"columns": [str(name) for name in head.columns],
                    "rows": json.loads(head.to_json(orient="values", date_format="iso", default_handler=str))},
    }


def _first_rows(parquet: Any, limit: int, *, columns: list[str] | None) -> Any:
    """The first `limit` rows as a DataFrame, read batch by batch (never the whole file)."""
    import pyarrow as pa

    batches, seen = [], 0
    for batch in parquet.iter_batches(batch_size=min(limit, 65_536), columns=columns):
        batches.append(batch)
        seen += batch.num_rows
        if seen >= limit:
            break
    schema = parquet.schema_arrow if columns is None else pa.schema([parquet.schema_arrow.field(c) for c in columns])
    return pa.Table.from_batches(batches, schema=schema).slice(0, limit).to_pandas()


def _top_values(series: Any) -> list[dict[str, Any]]:
    counts = series.astype("object").value_counts(dropna=True).head(TOP_VALUES)
    return [{"value": str(value), "count": int(count)} for value, count in counts.items()]
