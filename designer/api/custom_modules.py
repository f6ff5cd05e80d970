"""Custom modules: register a Python file (or a zip of files) whose @module declarations become
module versions of a workspace; list them; deprecate, disable or choose the default version."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.custom_modules import custom_module_get, custom_module_list, custom_module_register, custom_module_update
from designer.models import CustomModule
from modules_catalog import custom

from .common import ErrorListSerializer, UsernameField, WorkspaceSlugField, workspace_filter, workspace_for_create


class CustomModuleSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField()
    declaration = serializers.JSONField(help_text="the declared ports, parameters, requirements (no code)")
    missing_requirements = serializers.ListField(child=serializers.CharField(),
                                                 help_text="declared requirements this server lacked at registration")

    class Meta:
        model = CustomModule
        fields = ["id", "workspace", "key", "version", "label", "category", "status", "is_default", "content_hash",
                  "source_kind", "entry", "filename", "declaration", "missing_requirements", "created_by", "created_at"]
        read_only_fields = fields
        ref_name = "CustomModule"


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    module = serializers.CharField(required=False)

    class Meta:
        ref_name = "CustomModuleWarning"


class RegisteredSerializer(serializers.Serializer):
    modules = CustomModuleSerializer(many=True)
    warnings = WarningSerializer(many=True)

    class Meta:
        ref_name = "CustomModuleRegistered"


class CustomModuleListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        workspace = serializers.SlugField(required=False, help_text="workspace slug; default: your first workspace")
        file = serializers.FileField(
            help_text=f"a Python file (.py, at most {custom.MAX_PY_BYTES >> 20} MB) or a zip of Python files "
                      f"(.zip, at most {custom.MAX_ZIP_BYTES >> 20} MB) declaring modules with @module",
            error_messages={"required": "attach the module as a multipart field named 'file' (.py or .zip)",
                            "empty": "the uploaded file is empty"},
        )
        entry = serializers.CharField(required=False, allow_blank=True, max_length=300, default="",
                                      help_text="a zip: the file holding the @module declarations (default: its "
                                                "only .py file, else main.py)")

        class Meta:
            ref_name = "CustomModuleUploadInput"

    @extend_schema(parameters=[OpenApiParameter("workspace", str, description="workspace slug"),
                               OpenApiParameter("key", str, description="only versions of this module key")],
                   responses=CustomModuleSerializer(many=True),
                   description="Every version of the custom modules of your workspaces (or of one).")
    def get(self, request: Request) -> Response:
        qs = custom_module_list(user=request.user, workspace=workspace_filter(request))
        if request.query_params.get("key"):
            qs = qs.filter(key=request.query_params["key"])
        return Response(CustomModuleSerializer(qs.order_by("workspace_id", "key", "id"), many=True).data)

    @extend_schema(request={"multipart/form-data": InputSerializer},
                   responses={201: RegisteredSerializer, 400: ErrorListSerializer, 409: ErrorListSerializer,
                              413: ErrorListSerializer, 503: ErrorListSerializer},
                   description="Register the modules a file declares. Its declaration is read in an isolated "
                               "process (never imported by the server); each declared key@version becomes a module "
                               "version of the workspace (a newer version becomes the default). The same key and "
                               "version with other content is refused (409).")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = workspace_for_create(user=request.user, slug=data.get("workspace"))
        rows, warnings = custom_module_register(workspace=workspace, user=request.user, file=data["file"],
                                                entry=data["entry"] or None)
        return Response({"modules": CustomModuleSerializer(rows, many=True).data, "warnings": warnings},
                        status=status.HTTP_201_CREATED)


class CustomModuleDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=CustomModule.Status.choices, required=False,
                                         help_text="deprecated: still runs, noted at validation; disabled: refused")
        is_default = serializers.BooleanField(required=False, help_text="true: this version is the one offered")

        class Meta:
            ref_name = "CustomModuleUpdateInput"

    @extend_schema(responses=CustomModuleSerializer)
    def get(self, request: Request, module_id: int) -> Response:
        return Response(CustomModuleSerializer(custom_module_get(user=request.user, module_id=module_id)).data)

    @extend_schema(request=InputSerializer, responses={200: CustomModuleSerializer, 400: ErrorListSerializer})
    def patch(self, request: Request, module_id: int) -> Response:
        row = custom_module_get(user=request.user, module_id=module_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = custom_module_update(row=row, user=request.user, **serializer.validated_data)
        return Response(CustomModuleSerializer(row).data)
