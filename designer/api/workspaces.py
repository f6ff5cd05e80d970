"""Workspaces the caller belongs to; creating one makes the creator its owner."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.selectors import memberships_of
from designer.services import workspace_create


class WorkspaceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="workspace.id")
    slug = serializers.CharField(source="workspace.slug")
    name = serializers.CharField(source="workspace.name")
    role = serializers.CharField(help_text="owner, editor or viewer")
    created_at = serializers.DateTimeField(source="workspace.created_at")

    class Meta:
        ref_name = "Workspace"


class WorkspaceListApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        slug = serializers.SlugField(max_length=100, required=False,
                                     help_text="URL name; derived from the name when left out")

        class Meta:
            ref_name = "WorkspaceInput"

    @extend_schema(responses=WorkspaceOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(WorkspaceOutputSerializer(memberships_of(user=request.user), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: WorkspaceOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workspace = workspace_create(user=request.user, **serializer.validated_data)
        membership = memberships_of(user=request.user).get(workspace=workspace)
        return Response(WorkspaceOutputSerializer(membership).data, status=status.HTTP_201_CREATED)
