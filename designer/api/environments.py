"""Environments of a workspace: named, versioned lists of Python packages a node runs with. Editors
and owners create, edit (a new version), rebuild and remove them; members read them and their
build's status and log."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.environments import (builds_of, environment_build, environment_create, environment_delete,
                                   environment_get, environment_list, environment_update)
from engine.environments import MAX_PACKAGES, NAME_MAX, NAME_RE, REQUIREMENT_MAX, EnvironmentInputError
from engine.models import Environment, EnvironmentBuild

from .common import ErrorListSerializer, UsernameField, WorkspaceSlugField, workspace_filter, workspace_for_create

PACKAGES_HELP = (f"at most {MAX_PACKAGES} pip requirements by name, e.g. \"six==1.16.0\" or \"requests>=2,<3\" "
                 "(no URL, path or pip option)")


class EnvironmentBuildSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnvironmentBuild
        fields = ["content_hash", "status", "error", "host", "started_at", "finished_at"]
        read_only_fields = fields
        ref_name = "EnvironmentBuild"


class EnvironmentBuildLogSerializer(EnvironmentBuildSerializer):
    class Meta(EnvironmentBuildSerializer.Meta):
        fields = [*EnvironmentBuildSerializer.Meta.fields, "log"]
        read_only_fields = fields
        ref_name = "EnvironmentBuildWithLog"


class EnvironmentSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField(allow_null=True)
    packages = serializers.ListField(child=serializers.CharField())
    reference = serializers.SerializerMethodField(help_text="what a node's `environment` says to pin this version")
    build = serializers.SerializerMethodField(help_text="the build of its contents (shared by identical environments)")

    class Meta:
        model = Environment
        fields = ["id", "workspace", "name", "version", "reference", "packages", "base_image", "content_hash", "build",
                  "created_by", "created_at"]
        read_only_fields = fields
        ref_name = "Environment"

    def get_reference(self, row: Environment) -> str:
        return f"{row.name}@{row.version}"

    @extend_schema_field(EnvironmentBuildSerializer(allow_null=True))
    def get_build(self, row: Environment) -> dict | None:
        builds = self.context.get("builds")
        build = builds.get(row.content_hash) if builds is not None else builds_of([row]).get(row.content_hash)
        return None if build is None else EnvironmentBuildSerializer(build).data


class EnvironmentDetailSerializer(EnvironmentSerializer):
    @extend_schema_field(EnvironmentBuildLogSerializer(allow_null=True))
    def get_build(self, row: Environment) -> dict | None:
        build = builds_of([row]).get(row.content_hash)
        return None if build is None else EnvironmentBuildLogSerializer(build).data

    class Meta(EnvironmentSerializer.Meta):
        ref_name = "EnvironmentDetail"


def _packages_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=REQUIREMENT_MAX, trim_whitespace=False),
                                 max_length=MAX_PACKAGES, help_text=PACKAGES_HELP, **kwargs)


def _refused(exc: EnvironmentInputError) -> Response:
    return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)


class EnvironmentListApi(APIView):
    class InputSerializer(serializers.Serializer):
        workspace = serializers.SlugField(required=False, help_text="workspace slug; default: your first workspace")
        name = serializers.CharField(max_length=NAME_MAX, help_text="lowercase letters, digits, '_' or '-'")
        packages = _packages_field()
        base_image = serializers.CharField(max_length=200, required=False, default="", allow_blank=True,
                                           help_text="docker targets: the image the packages are added to "
                                                     "(empty: the server's step image)")

        class Meta:
            ref_name = "EnvironmentInput"

    @extend_schema(parameters=[OpenApiParameter("workspace", str, description="workspace slug"),
                               OpenApiParameter("name", str, description="only the versions of this environment")],
                   responses=EnvironmentSerializer(many=True), operation_id="v1_environments_list",
                   description="Every version of the environments of your workspaces (or of one), newest first.")
    def get(self, request: Request) -> Response:
        name = request.query_params.get("name")
        if name is not None and not NAME_RE.match(name):
            return Response({"errors": [{"code": "invalid", "field": "name", "message": "not an environment name"}]},
                            status=status.HTTP_400_BAD_REQUEST)
        rows = list(environment_list(user=request.user, workspace=workspace_filter(request), name=name)[:1000])
        return Response(EnvironmentSerializer(rows, many=True, context={"builds": builds_of(rows)}).data)

    @extend_schema(request=InputSerializer, responses={201: EnvironmentSerializer, 400: ErrorListSerializer,
                                                       403: ErrorListSerializer},
                   description="Create an environment (version 1) in a workspace (editors and owners); it is built "
                               "in the background.")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = workspace_for_create(user=request.user, slug=data.get("workspace"))
        try:
            row = environment_create(workspace=workspace, user=request.user, name=data["name"],
                                     packages=data["packages"], base_image=data.get("base_image", ""))
        except EnvironmentInputError as exc:
            return _refused(exc)
        return Response(EnvironmentSerializer(row).data, status=status.HTTP_201_CREATED)


class EnvironmentDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        packages = _packages_field(required=False)
        base_image = serializers.CharField(max_length=200, required=False, allow_blank=True)

        class Meta:
            ref_name = "EnvironmentUpdateInput"

    @extend_schema(responses=EnvironmentDetailSerializer, description="One version, with its build's status and log.")
    def get(self, request: Request, environment_id: int) -> Response:
        return Response(EnvironmentDetailSerializer(environment_get(user=request.user, environment_id=environment_id)).data)

    @extend_schema(request=InputSerializer, responses={200: EnvironmentSerializer, 400: ErrorListSerializer,
                                                       403: ErrorListSerializer},
                   description="Make the next version with these packages (and base image); the answer is that "
                               "version (the newest one when nothing changed). Existing versions never change.")
    def patch(self, request: Request, environment_id: int) -> Response:
        row = environment_get(user=request.user, environment_id=environment_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            row = environment_update(row=row, user=request.user, packages=data.get("packages"),
                                     base_image=data.get("base_image"))
        except EnvironmentInputError as exc:
            return _refused(exc)
        return Response(EnvironmentSerializer(row).data)

    @extend_schema(responses={204: None, 403: ErrorListSerializer},
                   description="Remove this version; nodes naming it no longer compile (unknown_environment).")
    def delete(self, request: Request, environment_id: int) -> Response:
        environment_delete(row=environment_get(user=request.user, environment_id=environment_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EnvironmentBuildApi(APIView):
    @extend_schema(request=None, responses={202: EnvironmentBuildSerializer, 403: ErrorListSerializer},
                   description="Build this version's contents in the background (again, after a failed build); "
                               "a ready build is kept. Poll the environment for its status and log.")
    def post(self, request: Request, environment_id: int) -> Response:
        row = environment_get(user=request.user, environment_id=environment_id)
        build = environment_build(row=row, user=request.user)
        return Response(EnvironmentBuildSerializer(build).data, status=status.HTTP_202_ACCEPTED)
