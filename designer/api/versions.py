"""Immutable pipeline versions: listed, read and submitted again, never edited."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.models import PipelineVersion
from designer.selectors import version_get, version_list
from designer.services import version_submit
from engine.models import Run
from engine.selectors import run_snapshot

from .common import (PAGE_PARAMETERS, ErrorListSerializer, ExecutionSerializer, UsernameField, WorkspaceSlugField,
                     int_param, int_parameter, page_of, paginated, workspace_filter)


class VersionOutputSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField()

    class Meta:
        model = PipelineVersion
        fields = ["id", "workspace", "draft", "name", "digest", "created_by", "created_at"]
        ref_name = "Version"


class VersionDetailOutputSerializer(VersionOutputSerializer):
    class Meta(VersionOutputSerializer.Meta):
        fields = VersionOutputSerializer.Meta.fields + ["document"]
        ref_name = "VersionDetail"


class SubmitOutputSerializer(serializers.Serializer):
    run = serializers.JSONField(help_text="the run snapshot, as GET /api/v1/runs/<id>/ answers")
    version = VersionOutputSerializer()

    class Meta:
        ref_name = "SubmitResult"


def submit_response(*, run: Run, version: PipelineVersion) -> Response:
    data = {"run": run_snapshot(run), "version": VersionOutputSerializer(version).data}
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
        return submit_response(run=run, version=version)

