"""Runs: list, snapshot, cancel, event resync, step details and step outputs (preview, download)."""
from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.selectors import experiment_list, run_drawn_document, run_get, run_list, step_get, step_output
from designer.services import run_cancel
from engine.document_schema import NAME_PATTERN, NAME_RULE
from engine.experiments import EXPERIMENT_MAX, EXPERIMENT_RULE, experiment_name
from engine.failures import FAILURE_CLASSES
from engine.models import Attempt, Run, Step
from engine.selectors import run_events_after, run_snapshot, run_steps_after, step_detail

from .artifacts import ArtifactOutputSerializer
from .common import (MAX_PAGE, PAGE_PARAMETERS, UsernameField, WorkspaceSlugField, int_param, int_parameter, page_of,
                     paginated, workspace_filter)
from .downloads import DOWNLOAD_RESPONSES, FORMAT_PARAMETER, DownloadView, artifact_response


class RunOutputSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField(allow_null=True)  # null: submitted by a schedule or script without a user
    version_name = serializers.CharField(source="version.name", read_only=True)
    pipeline_name = serializers.CharField(read_only=True,
                                          help_text="the name of the draft it was submitted from (else the version's)")
    draft = serializers.IntegerField(source="draft_id", read_only=True, allow_null=True,
                                     help_text="the draft it was submitted from (null: deleted, or submitted as a "
                                               "version that has none)")
    version_number = serializers.IntegerField(read_only=True, allow_null=True,
                                              help_text="1 for the first version of the draft that ran, 2 for the "
                                                        "next, …; null without a draft")
    duration = serializers.FloatField(read_only=True, allow_null=True,
                                      help_text="seconds from start to finish; null until the run has finished")

    class Meta:
        model = Run
        fields = ["id", "workspace", "version", "version_name", "pipeline_name", "draft", "version_number",
                  "experiment", "status", "params", "force", "error", "created_by", "created_at", "started_at",
                  "finished_at", "duration"]
        ref_name = "Run"


class RunListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("workspace", str, description="workspace slug"),
                    OpenApiParameter("status", str, enum=[s.value for s in Run.Status]),
                    int_parameter("version", "pipeline version id"),
                    int_parameter("pipeline", "draft id: the runs submitted from it"),
                    OpenApiParameter("experiment", {"type": "string", "maxLength": EXPERIMENT_MAX},
                                     description=f"only the runs filed under this experiment; {EXPERIMENT_RULE}"),
                    *PAGE_PARAMETERS],
        operation_id="v1_runs_list", responses=page_of(RunOutputSerializer),
        description="Runs, newest first, filtered by workspace, pipeline (draft), version, experiment and status.",
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status") or None
        if status is not None and status not in Run.Status.values:
            raise serializers.ValidationError({"status": [f"unknown status {status!r}; one of: "
                                                          f"{', '.join(Run.Status.values)}"]})
        qs = run_list(user=request.user, workspace=workspace_filter(request), status=status,
                      version_id=int_param(request, "version"), draft_id=int_param(request, "pipeline"),
                      experiment=_experiment_filter(request))
        return paginated(request=request, view=self, queryset=qs, serializer_class=RunOutputSerializer)


def _experiment_filter(request: Request) -> str | None:
    raw = request.query_params.get("experiment")
    if raw is None or not raw.strip():
        return None
    try:
        return experiment_name(raw)
    except ValueError as exc:
        raise serializers.ValidationError({"experiment": [str(exc)]}) from None


class ExperimentSerializer(serializers.Serializer):
    name = serializers.CharField(source="experiment")
    runs = serializers.IntegerField(help_text="how many runs are filed under it")
    last_run_at = serializers.DateTimeField(help_text="when its newest run was submitted")

    class Meta:
        ref_name = "Experiment"


class ExperimentListSerializer(serializers.Serializer):
    results = ExperimentSerializer(many=True)

    class Meta:
        ref_name = "ExperimentList"


class ExperimentListApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("workspace", str, description="workspace slug (default: all yours)")],
                   responses=ExperimentListSerializer, operation_id="v1_experiments_list",
                   description="The experiments runs are filed under, by name, with their run counts.")
    def get(self, request: Request) -> Response:
        rows = experiment_list(user=request.user, workspace=workspace_filter(request))
        return Response(ExperimentListSerializer({"results": rows}).data)


class StepOutputRefSerializer(serializers.Serializer):
    digest = serializers.CharField()
    kind = serializers.CharField(help_text="DataFrame, UntrainedModel, Model, Transform, Metrics or AnyFile")

    class Meta:
        ref_name = "StepOutputRef"


class StepBriefSerializer(serializers.Serializer):
    node = serializers.CharField()
    module = serializers.CharField()
    status = serializers.ChoiceField(choices=Step.Status.choices)
    outputs = serializers.DictField(child=StepOutputRefSerializer(), help_text="port -> {digest, kind}")
    reason = serializers.CharField(required=False, help_text="why it ended so: timeout, memory, cancelled, …")
    failure = serializers.ChoiceField(choices=FAILURE_CLASSES, required=False,
                                      help_text="its failure's class (what retries go by); absent when it did not fail")
    error = serializers.CharField(required=False)
    duration = serializers.FloatField(required=False, help_text="seconds")
    reused_from_run = serializers.IntegerField(required=False, help_text="the run whose outputs it reused")

    class Meta:
        ref_name = "StepBrief"


class RunSnapshotSerializer(serializers.Serializer):
    """engine.selectors.run_snapshot: the run, the last event seq it includes, a brief of every step."""

    id = serializers.IntegerField()
    workspace = serializers.CharField(help_text="workspace slug")
    version = serializers.IntegerField(help_text="the pipeline version run: GET /api/v1/versions/<id>/ has its "
                                                 "document as drawn (source_document)")
    version_name = serializers.CharField(help_text="the pipeline's name when it was submitted")
    status = serializers.ChoiceField(choices=Run.Status.choices)
    params = serializers.DictField(help_text="pipeline parameter values given at submit")
    force = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    experiment = serializers.CharField()
    created_by = serializers.CharField(allow_null=True, help_text="username of who submitted it")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    seq = serializers.IntegerField(min_value=0, help_text="the last event seq this snapshot includes")
    steps = StepBriefSerializer(many=True)

    class Meta:
        ref_name = "RunSnapshot"


class RunDetailSerializer(RunSnapshotSerializer):
    source_document = serializers.JSONField(help_text="the pipeline as drawn when this run was submitted "
                                                      "(positions, labels, comments)")

    class Meta:
        ref_name = "RunDetail"


class RunDetailApi(APIView):
    @extend_schema(responses=RunDetailSerializer,
                   description="The run with all its steps, the last event seq and the pipeline as drawn at submit.")
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get(user=request.user, run_id=run_id)
        return Response({**run_snapshot(run), "source_document": run_drawn_document(run=run)})


class RunCancelApi(APIView):
    @extend_schema(request=None, responses=RunSnapshotSerializer, description="Cancel the run; answers its snapshot.")
    def post(self, request: Request, run_id: int) -> Response:
        run = run_cancel(run=run_get(user=request.user, run_id=run_id), user=request.user)
        return Response(run_snapshot(run))


def _next_url(request: Request, **params) -> str:
    query = request.query_params.copy()
    for name, value in params.items():
        query[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class EventSerializer(serializers.Serializer):
    """One run event: its type, its number in the run and the server's time; the other fields
    depend on the type — run.status: status, error; step.status: node, status, and reason, failure, error,
    duration, attempt, reused_from (a step id), outputs when set; step.log: node, text;
    step.progress: node, fraction, message; step.metric: node, name, value, step."""

    type = serializers.ChoiceField(choices=["run.status", "step.status", "step.log", "step.progress", "step.metric"])
    seq = serializers.IntegerField(min_value=1)
    run = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="the server's time the event was recorded")
    ts = serializers.FloatField(help_text="the same instant in milliseconds since the Unix epoch")
    node = serializers.CharField(required=False)
    status = serializers.CharField(required=False, help_text="run.status: a run status; step.status: a step status")
    error = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    failure = serializers.CharField(required=False, allow_blank=True, help_text="step.status: its failure's class")
    duration = serializers.FloatField(required=False, allow_null=True)
    attempt = serializers.IntegerField(required=False)
    reused_from = serializers.IntegerField(required=False, allow_null=True, help_text="the step (id) it reused")
    outputs = serializers.DictField(child=StepOutputRefSerializer(), required=False)
    text = serializers.CharField(required=False, allow_blank=True)
    fraction = serializers.FloatField(required=False)
    message = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False)
    value = serializers.FloatField(required=False)
    step = serializers.IntegerField(required=False, allow_null=True)

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


class RetryPolicySerializer(serializers.Serializer):
    max_attempts = serializers.IntegerField(min_value=1)
    on = serializers.ListField(child=serializers.ChoiceField(choices=FAILURE_CLASSES))
    backoff_seconds = serializers.FloatField(min_value=0)

    class Meta:
        ref_name = "RetryPolicy"


class StepAttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=Attempt.Status.choices)
    reason = serializers.CharField(allow_blank=True)
    failure = serializers.CharField(allow_blank=True, help_text=f"its failure's class: {', '.join(FAILURE_CLASSES)}; "
                                                                "blank when it did not fail")
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "StepAttempt"


class StepMetricSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.FloatField()
    step = serializers.IntegerField(allow_null=True, required=False)

    class Meta:
        ref_name = "StepMetric"


class StepDetailSerializer(serializers.Serializer):
    """engine.selectors.step_detail: everything about one step of a run."""

    node = serializers.CharField()
    module = serializers.CharField()
    version = serializers.CharField(help_text="the module's version")
    target = serializers.CharField()
    status = serializers.ChoiceField(choices=Step.Status.choices)
    reused = serializers.BooleanField(help_text="its outputs came from an identical earlier step")
    reused_from_run = serializers.IntegerField(allow_null=True)
    cache_key = serializers.CharField(allow_blank=True)
    outputs = serializers.DictField(child=StepOutputRefSerializer(), help_text="port -> {digest, kind}")
    error = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    failure = serializers.CharField(allow_blank=True, help_text=f"its last failure's class: {', '.join(FAILURE_CLASSES)}")
    retry_at = serializers.DateTimeField(allow_null=True, help_text="a failed step waiting to run again: not before")
    retry_policy = RetryPolicySerializer(help_text="the node's retry policy (the server's default when it set none)")
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration = serializers.FloatField(allow_null=True, help_text="seconds")
    peak_rss_mb = serializers.FloatField(allow_null=True)
    base_rss_mb = serializers.FloatField(allow_null=True)
    from_memory_mb = serializers.FloatField(allow_null=True)
    metrics = StepMetricSerializer(many=True)
    log = serializers.CharField(allow_blank=True)
    traceback = serializers.CharField(allow_blank=True, help_text="the user's traceback when it failed")
    attempts = StepAttemptSerializer(many=True)
    run = serializers.IntegerField()
    host = serializers.CharField(allow_blank=True, help_text="the machine it ran on (its last attempt); blank: not yet")
    worker = serializers.CharField(allow_blank=True, help_text="the worker that ran it (a Celery worker); blank: none")
    container = serializers.CharField(allow_blank=True, help_text="the container it ran in (a docker target); blank: none")

    class Meta:
        ref_name = "StepDetail"


class StepDetailApi(APIView):
    @extend_schema(responses=StepDetailSerializer, description="A step with its log, metrics, outputs and error.")
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
