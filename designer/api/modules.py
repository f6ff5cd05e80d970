"""The module catalogue as the palette and the properties form read it (modules_catalog.schema):
built-ins and the workspace's custom modules (designer.custom_modules)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.http import Http404

from designer.custom_modules import WorkspaceModules, module_entries
from designer.models import CustomModule
from designer.selectors import workspace_default
from modules_catalog.registry import UnknownModule
from modules_catalog.schema import module_json

from .common import workspace_filter


class PortSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(help_text="DataFrame, UntrainedModel, Model, Transform, Metrics or AnyFile")
    label = serializers.CharField()
    optional = serializers.BooleanField()
    help = serializers.CharField()

    class Meta:
        ref_name = "ModulePort"


class ParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(help_text="int, float, bool, text, choice, columns, code or dataset")
    label = serializers.CharField()
    default = serializers.JSONField(allow_null=True)
    required = serializers.BooleanField()
    help = serializers.CharField()
    min = serializers.FloatField(required=False)
    max = serializers.FloatField(required=False)
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    port = serializers.CharField(required=False, help_text="columns: the input port whose columns are offered")
    multiple = serializers.BooleanField(required=False)
    dtypes = serializers.ListField(child=serializers.CharField(), required=False,
                                   help_text="columns: the column types accepted (int, float, bool, string, ...)")
    hint = serializers.CharField(required=False, help_text="what to do when a column of another type is chosen")

    class Meta:
        ref_name = "ModuleParam"


class ModuleSerializer(serializers.Serializer):
    key = serializers.CharField()
    version = serializers.CharField()
    label = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    inputs = PortSerializer(many=True)
    outputs = PortSerializer(many=True)
    params = ParamSerializer(many=True)
    user_code = serializers.BooleanField()
    disabled = serializers.BooleanField()
    infers_schema = serializers.BooleanField()
    task = serializers.CharField(required=False, allow_null=True,
                                 help_text="a learner's task: binary, multiclass, regression, clustering, ...")
    group = serializers.CharField(required=False, help_text="a sub-heading within the category")
    status = serializers.ChoiceField(choices=CustomModule.Status.choices,
                                     help_text="a custom module version's status (built-ins: active)")
    is_default = serializers.BooleanField(help_text="the version the palette offers (a built-in's newest)")
    custom = serializers.BooleanField(help_text="registered by a user of the workspace (see custom-modules/)")
    content_hash = serializers.CharField(required=False, help_text="custom: SHA-256 of its stored file(s)")
    requires = serializers.ListField(child=serializers.CharField(), required=False,
                                     help_text="custom: the Python packages it declares it needs")

    class Meta:
        ref_name = "Module"


def _workspace(request: Request):
    """`?workspace=<slug>` (404 when not one of the user's), else the user's first workspace."""
    return workspace_filter(request) or workspace_default(user=request.user)


WORKSPACE_PARAMETER = OpenApiParameter("workspace", str, description="workspace slug (its custom modules); "
                                       "default: your first workspace")


class ModuleListApi(APIView):
    @extend_schema(parameters=[WORKSPACE_PARAMETER,
                               OpenApiParameter("all", str, enum=["1"], description="every version with its status, "
                                                "not only the defaults")],
                   responses=ModuleSerializer(many=True),
                   description="The modules a pipeline of the workspace may use: the default version of every "
                               "built-in and custom module (`?all=1`: every version, deprecated and disabled ones "
                               "too), with its ports and parameters.")
    def get(self, request: Request) -> Response:
        all_versions = request.query_params.get("all") in ("1", "true")
        entries = module_entries(workspace=_workspace(request), all_versions=all_versions)
        return Response([{**module_json(spec), **extra} for spec, extra in entries])


class ModuleDetailApi(APIView):
    @extend_schema(parameters=[WORKSPACE_PARAMETER], responses=ModuleSerializer)
    def get(self, request: Request, key: str, version: str) -> Response:
        modules = WorkspaceModules(_workspace(request))
        try:
            spec = modules.get(key, version)
        except UnknownModule:
            raise Http404(f"module {key!r} version {version!r} not found") from None
        default = modules.default(key)
        extra = {"status": getattr(spec, "status", "active"), "custom": hasattr(spec, "code"),
                 "is_default": default is not None and default.version == spec.version}
        if hasattr(spec, "code"):
            extra.update(content_hash=spec.code, requires=list(spec.requires))
        return Response({**module_json(spec), **extra})
