"""Compute targets of a workspace: the server's built-in ones (read-only) and its own, which its
editors and owners create, edit and remove; a node or a pipeline names one by its name."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.compute_targets import (builtin_targets, compute_target_create, compute_target_delete,
                                      compute_target_get, compute_target_list, compute_target_update)
from engine.compute_targets import TargetSettingsError
from engine.document_schema import NAME_MAX
from engine.models import ComputeTarget

from .common import ErrorListSerializer, UsernameField, WorkspaceSlugField, workspace_filter, workspace_for_create

SETTINGS_HELP = ("per kind — local: concurrency (1-64); celery: queue; docker: image or environment, docker_host "
                 "(unix://, tcp://, ssh://), cpus (0.1-64), memory_mb (64-262144), pids (16-32768), network (bool), "
                 "concurrency (1-64)")


class TargetWorkerSerializer(serializers.Serializer):
    worker = serializers.CharField(help_text="the Celery worker's name")
    host = serializers.CharField()
    pid = serializers.IntegerField()
    heartbeat_at = serializers.CharField(help_text="its last heartbeat (ISO 8601)")
    running = serializers.ListField(child=serializers.DictField(), help_text="{attempt, run, node, module, since} it runs now")

    class Meta:
        ref_name = "ComputeTargetWorker"


class ComputeTargetSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField(allow_null=True)  # null: made by a script, or its user was deleted
    settings = serializers.JSONField(help_text=SETTINGS_HELP)
    workers = serializers.SerializerMethodField(help_text="a celery target's workers listening on its queue "
                                                          "(heartbeat within the last few seconds); [] for other kinds")

    class Meta:
        model = ComputeTarget
        fields = ["id", "workspace", "name", "kind", "settings", "workers", "created_by", "created_at", "updated_at"]
        read_only_fields = fields
        ref_name = "ComputeTarget"

    @extend_schema_field(TargetWorkerSerializer(many=True))
    def get_workers(self, row: ComputeTarget) -> list[dict]:
        if row.kind != ComputeTarget.Kind.CELERY or not row.settings.get("queue"):
            return []
        from engine.celery_worker import workers_on

        return workers_on(row.settings["queue"])


class BuiltinTargetSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ComputeTarget.Kind.choices)
    settings = serializers.JSONField()

    class Meta:
        ref_name = "BuiltinComputeTarget"


class ComputeTargetListSerializer(serializers.Serializer):
    builtin = BuiltinTargetSerializer(many=True, help_text="the server's targets: every workspace has them")
    targets = ComputeTargetSerializer(many=True, help_text="the workspaces' own targets")

    class Meta:
        ref_name = "ComputeTargetList"


def _refused(exc: TargetSettingsError) -> Response:
    return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)


class ComputeTargetListApi(APIView):
    class InputSerializer(serializers.Serializer):
        workspace = serializers.SlugField(required=False, help_text="workspace slug; default: your first workspace")
        name = serializers.CharField(max_length=NAME_MAX, help_text="what a node's or pipeline's `target` names")
        kind = serializers.ChoiceField(choices=ComputeTarget.Kind.choices)
        settings = serializers.JSONField(required=False, default=dict, help_text=SETTINGS_HELP)

        class Meta:
            ref_name = "ComputeTargetInput"

    @extend_schema(parameters=[OpenApiParameter("workspace", str, description="workspace slug")],
                   responses=ComputeTargetListSerializer, operation_id="v1_targets_list",
                   description="The server's built-in targets and the targets of your workspaces (or of one).")
    def get(self, request: Request) -> Response:
        rows = compute_target_list(user=request.user, workspace=workspace_filter(request))
        return Response({"builtin": builtin_targets(), "targets": ComputeTargetSerializer(rows, many=True).data})

    @extend_schema(request=InputSerializer, responses={201: ComputeTargetSerializer, 400: ErrorListSerializer,
                                                       403: ErrorListSerializer},
                   description="Register a compute target in a workspace (editors and owners).")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = workspace_for_create(user=request.user, slug=data.get("workspace"))
        try:
            row = compute_target_create(workspace=workspace, user=request.user, name=data["name"], kind=data["kind"],
                                        values=data["settings"])
        except TargetSettingsError as exc:
            return _refused(exc)
        return Response(ComputeTargetSerializer(row).data, status=status.HTTP_201_CREATED)


class ComputeTargetDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=NAME_MAX, required=False)
        settings = serializers.JSONField(required=False, help_text=SETTINGS_HELP + "; replaces them all")

        class Meta:
            ref_name = "ComputeTargetUpdateInput"

    @extend_schema(responses=ComputeTargetSerializer)
    def get(self, request: Request, target_id: int) -> Response:
        return Response(ComputeTargetSerializer(compute_target_get(user=request.user, target_id=target_id)).data)

    @extend_schema(request=InputSerializer, responses={200: ComputeTargetSerializer, 400: ErrorListSerializer,
                                                       403: ErrorListSerializer},
                   description="Rename a target or replace its settings; the engine uses them from the next launch.")
    def patch(self, request: Request, target_id: int) -> Response:
        row = compute_target_get(user=request.user, target_id=target_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            row = compute_target_update(row=row, user=request.user, name=data.get("name"), values=data.get("settings"))
        except TargetSettingsError as exc:
            return _refused(exc)
        return Response(ComputeTargetSerializer(row).data)

    @extend_schema(responses={204: None, 403: ErrorListSerializer},
                   description="Remove a target; pipelines naming it no longer compile (unknown_target).")
    def delete(self, request: Request, target_id: int) -> Response:
        compute_target_delete(row=compute_target_get(user=request.user, target_id=target_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
