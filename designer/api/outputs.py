"""A window of a DataFrame output's rows, read from its stored Parquet without loading the file:
row groups before the window are skipped by their metadata, and the one it starts in is streamed
in batches, so memory stays bounded however deep the window is."""
from __future__ import annotations

import base64
import datetime
import decimal
import math
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.selectors import run_get, step_get, step_output
from engine.datastore import ArtifactMissing, CorruptArtifact
from engine.selectors import datastore

from .common import MAX_ID, ErrorListSerializer, int_param

ROWS_MAX = 1000
ROWS_DEFAULT = 200
BATCH_ROWS = 4096  # rows decoded at a time while streaming through a row group


class OutputColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    dtype = serializers.CharField(help_text="int, float, bool, datetime, category or string")

    class Meta:
        ref_name = "OutputColumn"


class OutputRowsSerializer(serializers.Serializer):
    offset = serializers.IntegerField(min_value=0)
    limit = serializers.IntegerField(min_value=1, max_value=ROWS_MAX)
    total_rows = serializers.IntegerField(min_value=0)
    columns = OutputColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField(allow_null=True)),
                                 help_text="at most `limit` rows from `offset`, values in column order; missing, "
                                           "NaN and infinite values are null, datetimes ISO 8601 text")

    class Meta:
        ref_name = "OutputRows"


def json_value(value: Any) -> Any:
    """One cell as JSON: NaN/Inf -> null, dates and times ISO text, binary as base64 text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return json_value(float(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    isoformat = getattr(value, "isoformat", None)  # pandas Timestamp / Timedelta of nanoseconds
    return isoformat() if callable(isoformat) else str(value)


def read_window(source: Any, offset: int, limit: int) -> tuple[int, list[str], list[list[Any]]]:
    """(total rows, column names, rows[offset:offset+limit]) of a Parquet file (a path or a file object)."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(source)
    meta = parquet.metadata
    names = list(parquet.schema_arrow.names)
    total = meta.num_rows
    if offset >= total:
        return total, names, []
    start = 0  # first row of row group `first`
    first = 0
    while first < meta.num_row_groups and start + meta.row_group(first).num_rows <= offset:
        start += meta.row_group(first).num_rows
        first += 1
    wanted = min(limit, total - offset)
    skip = offset - start
    rows: list[list[Any]] = []
    batches = parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=range(first, meta.num_row_groups),
                                   use_threads=False)
    for batch in batches:
        if skip >= batch.num_rows:
            skip -= batch.num_rows
            continue
        part = batch.slice(skip, wanted - len(rows))
        skip = 0
        columns = [column.to_pylist() for column in part.columns]
        if columns:
            rows.extend([json_value(v) for v in row] for row in zip(*columns))
        else:  # a frame without columns still has rows
            rows.extend([] for _ in range(part.num_rows))
        if len(rows) >= wanted:
            break
    return total, names, rows


def _dtypes(source: Any, meta: dict[str, Any]) -> dict[str, str]:
    """Column types as the artifact's metadata gives them, else from the file's schema."""
    known = {c.get("name"): c.get("dtype") for c in meta.get("columns") or [] if isinstance(c, dict)}
    if known:
        return known
    import pyarrow.parquet as pq

    from modules_catalog.schema import dtype_kind

    empty = pq.ParquetFile(source).schema_arrow.empty_table().to_pandas()
    return {str(name): dtype_kind(dtype) for name, dtype in empty.dtypes.items()}


class StepOutputRowsApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                             description="index of the first row (default 0)"),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": ROWS_MAX},
                             description=f"how many rows (default {ROWS_DEFAULT}, at most {ROWS_MAX})"),
        ],
        responses={200: OutputRowsSerializer, 400: ErrorListSerializer, 404: ErrorListSerializer},
        description="A window of the rows of a DataFrame a step wrote on `port`, read from the stored data "
                    "(the output's own preview holds only its first rows).")
    def get(self, request: Request, run_id: int, node_id: str, port: str) -> Response:
        offset = int_param(request, "offset", minimum=0) or 0
        limit = int_param(request, "limit", maximum=ROWS_MAX) or ROWS_DEFAULT
        step = step_get(run=run_get(user=request.user, run_id=run_id), node_id=node_id)
        artifact = step_output(step=step, port=port)
        if artifact.kind != "DataFrame":
            raise serializers.ValidationError({"port": [
                f"output {port!r} of step {node_id!r} is a {artifact.kind or 'file'}, not a DataFrame: it has no rows "
                f"(read it at …/outputs/{port}/ or download it)"]})
        try:
            source = datastore().open(artifact.digest)  # checked against its digest (a corrupt one is set aside)
        except ArtifactMissing as exc:
            raise Http404(str(exc) if isinstance(exc, CorruptArtifact)
                          else f"the output {port!r} of step {node_id!r} is no longer stored") from None
        with source:
            total, names, rows = read_window(source, offset, limit)
            dtypes = _dtypes(source, artifact.meta or {})
        return Response({"offset": offset, "limit": limit, "total_rows": total,
                         "columns": [{"name": n, "dtype": dtypes.get(n, "string")} for n in names], "rows": rows})
