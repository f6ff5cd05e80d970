"""The JSON Schema of a pipeline document, as this server applies it, for the front end and SDKs."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.compiler import server_limits
from engine.compute_targets import target_names
from engine.document_schema import document_schema

from .common import workspace_filter


class PipelineDocumentSchemaApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT, operation_id="v1_schemas_pipeline_document",
        parameters=[OpenApiParameter("workspace", str, description="workspace slug: its own compute targets are "
                                                                   "listed with the server's")],
        description="The JSON Schema (Draft 2020-12) every pipeline document must satisfy: names, lengths, "
                    "types, finite numbers, nesting, and this server's compute targets and the caps of a node's "
                    "timeout, memory_mb and cpu_seconds. Anything it refuses is a 400 `invalid_document`.",
    )
    def get(self, request: Request) -> Response:
        limits = server_limits()
        workspace = workspace_filter(request)
        targets = list(target_names(workspace.pk)) if workspace is not None else list(limits.targets)
        return Response(document_schema(targets=targets, timeout=limits.timeout,
                                        memory_mb=limits.memory_mb, cpu_seconds=limits.cpu_seconds,
                                        url=request.build_absolute_uri()))
