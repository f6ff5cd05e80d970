"""Artifacts by content digest, readable only when granted to one of the caller's workspaces."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.selectors import artifact_get

from .downloads import DOWNLOAD_RESPONSES, FORMAT_PARAMETER, DownloadView, artifact_response


class ArtifactOutputSerializer(serializers.Serializer):
    digest = serializers.CharField()
    kind = serializers.CharField(help_text="DataFrame, UntrainedModel, Model, Transform, Metrics or AnyFile")
    size = serializers.IntegerField(help_text="bytes as stored")
    meta = serializers.JSONField(help_text="DataFrame: rows, columns (name, dtype, stats), preview; "
                                           "Metrics: metrics; models: python_type, params")
    created_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Artifact"


class ArtifactDetailApi(APIView):
    @extend_schema(responses=ArtifactOutputSerializer)
    def get(self, request: Request, digest: str) -> Response:
        return Response(ArtifactOutputSerializer(artifact_get(user=request.user, digest=digest)).data)


class ArtifactDownloadApi(DownloadView):
    @extend_schema(parameters=[FORMAT_PARAMETER], responses=DOWNLOAD_RESPONSES)
    def get(self, request: Request, digest: str):
        artifact = artifact_get(user=request.user, digest=digest)
        return artifact_response(digest=artifact.digest, kind=artifact.kind, stem=artifact.digest[:16],
                                 fmt=request.query_params.get("format"))
