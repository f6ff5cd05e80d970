"""Immutable pipeline versions: listed, read and submitted again, never edited."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from django.urls import reverse
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.models import PipelineVersion
from designer.selectors import version_get, version_list
from designer.services import version_submit
from engine.models import Run

from .common import (PAGE_PARAMETERS, ErrorListSerializer, ExecutionSerializer, UsernameField, WorkspaceSlugField,
                     int_param, int_parameter, page_of, paginated, workspace_filter)


class VersionOutputSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField()
    draft = serializers.IntegerField(source="draft_id", read_only=True, allow_null=True,
                                     help_text="the draft it was first snapshotted from (null: deleted, or none)")

    class Meta:
        model = PipelineVersion
        fields = ["id", "workspace", "draft", "name", "digest", "created_by", "created_at"]
        ref_name = "Version"


class VersionDetailOutputSerializer(VersionOutputSerializer):
    document = serializers.JSONField(read_only=True, help_text="the canonical document the version's digest names")
    source_document = serializers.SerializerMethodField(
        help_text="the document as the user drew it (positions, labels, comments, description); for a version made "
                  "before it was kept, the canonical document")

    class Meta(VersionOutputSerializer.Meta):
        fields = VersionOutputSerializer.Meta.fields + ["document", "source_document"]
        ref_name = "VersionDetail"

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_source_document(self, version: PipelineVersion) -> dict:
        return version.source_document if version.source_document is not None else version.document


class SubmitRunLinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text="the run with its steps in brief: GET /api/v1/runs/<id>/")
    steps = serializers.URLField(help_text="its steps a page at a time")
    events = serializers.URLField(help_text="its stored events a page at a time")
    websocket = serializers.CharField(help_text="the path of its live stream: a snapshot, then events")

    class Meta:
        ref_name = "SubmitRunLinks"


class SubmitRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    links = SubmitRunLinksSerializer()

    class Meta:
        ref_name = "SubmitRun"


class SubmitOutputSerializer(serializers.Serializer):
    run = SubmitRunSerializer(help_text="the new run: its id, status and links (not its snapshot)")
    version = VersionOutputSerializer()

    class Meta:
        ref_name = "SubmitResult"


def submit_response(*, request: Request, run: Run, version: PipelineVersion) -> Response:
    """A small answer, whatever the size of the pipeline: the run's id, status and where to follow it."""
    link = request.build_absolute_uri
    data = {
        "run": {"id": run.id, "status": run.status, "links": {
            "self": link(reverse("run-detail", args=[run.id])),
            "steps": link(reverse("run-steps", args=[run.id])),
            "events": link(reverse("run-events", args=[run.id])),
            "websocket": f"/ws/runs/{run.id}/",
        }},
        "version": VersionOutputSerializer(version).data,
    }
    return Response(data, status=status.HTTP_201_CREATED)


SUBMIT_SCHEMA = {
    "request": ExecutionSerializer,
    "responses": {201: SubmitOutputSerializer, 400: ErrorListSerializer},
}


class VersionListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("workspace", str, description="workspace slug"),
                    int_parameter("draft", "only versions snapshotted from this draft"),
                    *PAGE_PARAMETERS],
        operation_id="v1_versions_list", responses=page_of(VersionOutputSerializer),
    )
    def get(self, request: Request) -> Response:
        qs = version_list(user=request.user, workspace=workspace_filter(request), draft_id=int_param(request, "draft"))
        qs = qs.defer("document", "source_document")  # a list shows neither
        return paginated(request=request, view=self, queryset=qs, serializer_class=VersionOutputSerializer)


class VersionDetailApi(APIView):
    @extend_schema(responses=VersionDetailOutputSerializer)
    def get(self, request: Request, version_id: int) -> Response:
        version = version_get(user=request.user, version_id=version_id)
        return Response(VersionDetailOutputSerializer(version).data)


class VersionSubmitApi(APIView):
    @extend_schema(**SUBMIT_SCHEMA, description="Start a run of this version.")
    def post(self, request: Request, version_id: int) -> Response:
        version = version_get(user=request.user, version_id=version_id)
        serializer = ExecutionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = version_submit(version=version, user=request.user, **serializer.validated_data)
        return submit_response(request=request, run=run, version=version)

