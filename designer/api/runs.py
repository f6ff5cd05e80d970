"""Runs: list, snapshot, cancel, event resync, step details and step outputs (preview, download)."""
from __future__ import annotations

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.selectors import run_get, run_list, step_get, step_output
from designer.services import run_cancel
from engine.document_schema import NAME_PATTERN, NAME_RULE
from engine.models import Run
from engine.selectors import run_events_after, run_snapshot, run_steps_after, step_detail

from .artifacts import ArtifactOutputSerializer
from .common import (MAX_PAGE, PAGE_PARAMETERS, UsernameField, WorkspaceSlugField, int_param, int_parameter, page_of,
                     paginated, workspace_filter)
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


def _next_url(request: Request, **params) -> str:
    query = request.query_params.copy()
    for name, value in params.items():
        query[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class EventSerializer(serializers.Serializer):
    """One run event: its type, its number in the run and the server's time; the rest of its fields
    depend on the type (`node`, `status`, `text`, `name`, `value`, `fraction`, ...)."""

    type = serializers.ChoiceField(choices=["run.status", "step.status", "step.log", "step.progress", "step.metric"])
    seq = serializers.IntegerField(min_value=1)
    run = serializers.IntegerField()
    at = serializers.DateTimeField()

    class Meta:
        ref_name = "RunEvent"


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="the next page (null: none yet; the run may add more)")

    class Meta:
        ref_name = "RunEventPage"


LIMIT_PARAMETER = OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                                   description=f"page size (default and at most {MAX_PAGE})")


class RunEventsApi(APIView):
    @extend_schema(parameters=[int_parameter("after", "the last seq the client has seen", minimum=0), LIMIT_PARAMETER],
                   responses=EventPageSerializer,
                   description="A page of the run's events with seq > after, oldest first (resync after a gap); "
                               "`next` links the page after it while more are stored.")
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get(user=request.user, run_id=run_id)
        after = int_param(request, "after", minimum=0) or 0
        limit = int_param(request, "limit", maximum=MAX_PAGE) or MAX_PAGE
        events = run_events_after(run.id, after, limit + 1)
        more = len(events) > limit
        events = events[:limit]
        return Response({"results": events, "next": _next_url(request, after=events[-1]["seq"]) if more else None})


class StepBriefSerializer(serializers.Serializer):
    node = serializers.CharField()
    module = serializers.CharField()
    status = serializers.CharField()
    outputs = serializers.DictField(child=serializers.DictField(), help_text="port -> {digest, kind}")
    reason = serializers.CharField(required=False)
    error = serializers.CharField(required=False)
    duration = serializers.FloatField(required=False)
    reused_from_run = serializers.IntegerField(required=False)

    class Meta:
        ref_name = "StepBrief"


class StepPageSerializer(serializers.Serializer):
    results = StepBriefSerializer(many=True)
    next = serializers.URLField(allow_null=True)

    class Meta:
        ref_name = "StepBriefPage"


class RunStepsApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("after", {"type": "string", "pattern": NAME_PATTERN},
                                                description="the node id of the last step seen"),
                               LIMIT_PARAMETER],
                   responses=StepPageSerializer, operation_id="v1_runs_steps_list",
                   description="The run's steps in brief, in plan order, a page at a time (for a large run).")
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get(user=request.user, run_id=run_id)
        after = request.query_params.get("after") or None
        if after is not None and not re.match(NAME_PATTERN, after):
            raise serializers.ValidationError({"after": [f"a node id: {NAME_RULE}"]})
        limit = int_param(request, "limit", maximum=MAX_PAGE) or MAX_PAGE
        steps, last = run_steps_after(run, after, limit)
        return Response({"results": steps, "next": _next_url(request, after=last) if last else None})


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
