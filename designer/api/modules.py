"""The module catalogue as the palette and the properties form read it (modules_catalog.schema)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.selectors import module_get, module_list
from modules_catalog.schema import module_json


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
                                   help_text="columns: the column types it accepts (int, float, bool, string, datetime, "
                                             "category); absent: any")
    hint = serializers.CharField(required=False, help_text="columns: what to do with a column of another type")

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
    task = serializers.CharField(allow_null=True, help_text="a learner's task: binary, multiclass, regression, "
                                                            "clustering, anomaly or recommendation; null otherwise")
    group = serializers.CharField(help_text="a sub-heading within the category; empty when none")

    class Meta:
        ref_name = "Module"


class ModuleListApi(APIView):
    @extend_schema(responses=ModuleSerializer(many=True),
                   description="Every registered, enabled module with its ports and parameters.")
    def get(self, request: Request) -> Response:
        return Response([module_json(spec) for spec in module_list()])


class ModuleDetailApi(APIView):
    @extend_schema(responses=ModuleSerializer)
    def get(self, request: Request, key: str, version: str) -> Response:
        return Response(module_json(module_get(key=key, version=version)))
