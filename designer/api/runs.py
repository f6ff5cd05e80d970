"""Runs: list, snapshot, cancel, event resync, step details and step outputs (preview, download)."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.selectors import run_get, run_list, step_get, step_output
from designer.services import run_cancel
from engine.models import Run
from engine.selectors import run_events_after, run_snapshot, step_detail

from .artifacts import ArtifactOutputSerializer
from .common import (PAGE_PARAMETERS, UsernameField, WorkspaceSlugField, int_param, int_parameter, page_of, paginated,
                     workspace_filter)
from .downloads import DOWNLOAD_RESPONSES, FORMAT_PARAMETER, DownloadView, artifact_response


class RunOutputSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField(allow_null=True)  # null: submitted by a schedule or script without a user
    version_name = serializers.CharField(source="version.name", read_only=True)

    class Meta:
        model = Run
        fields = ["id", "workspace", "version", "version_name", "status", "params", "force", "error",
                  "created_by", "created_at", "started_at", "finished_at"]
        ref_name = "Run"


class RunListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("workspace", str, description="workspace slug"),
                    OpenApiParameter("status", str, enum=[s.value for s in Run.Status]),
                    int_parameter("version", "pipeline version id"), *PAGE_PARAMETERS],
        operation_id="v1_runs_list", responses=page_of(RunOutputSerializer),
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status") or None
        if status is not None and status not in Run.Status.values:
            raise serializers.ValidationError({"status": [f"unknown status {status!r}; one of: "
                                                          f"{', '.join(Run.Status.values)}"]})
        qs = run_list(user=request.user, workspace=workspace_filter(request), status=status,
                      version_id=int_param(request, "version"))
        return paginated(request=request, view=self, queryset=qs, serializer_class=RunOutputSerializer)


class RunDetailApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, description="The run with all its steps and the last event seq.")
    def get(self, request: Request, run_id: int) -> Response:
        return Response(run_snapshot(run_get(user=request.user, run_id=run_id)))


class RunCancelApi(APIView):
    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, description="Cancel the run; answers its snapshot.")
    def post(self, request: Request, run_id: int) -> Response:
        run = run_cancel(run=run_get(user=request.user, run_id=run_id), user=request.user)
        return Response(run_snapshot(run))


class RunEventsApi(APIView):
    @extend_schema(parameters=[int_parameter("after", "the last seq the client has seen", minimum=0)],
                   responses={200: {"type": "array", "items": {"type": "object"}}},
                   description="A list of the run's events with seq > after, oldest first (resync after a gap).")
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get(user=request.user, run_id=run_id)
        return Response(run_events_after(run, int_param(request, "after", minimum=0) or 0))


class StepDetailApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, description="A step with its log, metrics, outputs and error.")
    def get(self, request: Request, run_id: int, node_id: str) -> Response:
        step = step_get(run=run_get(user=request.user, run_id=run_id), node_id=node_id)
        return Response(step_detail(step))


class StepOutputApi(APIView):
    @extend_schema(responses=ArtifactOutputSerializer,
                   description="What a step wrote on one output port; `meta` holds rows, columns with types and "
                               "statistics and preview rows for a DataFrame, `metrics` for Metrics.")
    def get(self, request: Request, run_id: int, node_id: str, port: str) -> Response:
        step = step_get(run=run_get(user=request.user, run_id=run_id), node_id=node_id)
        return Response(ArtifactOutputSerializer(step_output(step=step, port=port)).data)


class StepOutputDownloadApi(DownloadView):
    @extend_schema(parameters=[FORMAT_PARAMETER], responses=DOWNLOAD_RESPONSES)
    def get(self, request: Request, run_id: int, node_id: str, port: str):
        step = step_get(run=run_get(user=request.user, run_id=run_id), node_id=node_id)
        artifact = step_output(step=step, port=port)
        return artifact_response(digest=artifact.digest, kind=artifact.kind, stem=f"{node_id}_{port}",
                                 fmt=request.query_params.get("format"))
