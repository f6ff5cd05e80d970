"""Drafts: editable graph documents with optimistic concurrency, their validation, plan and submit;
and validation of any document for scripts."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.custom_modules import module_notes
from designer.models import Draft
from designer.selectors import document_schemas, draft_get, draft_list
from designer.services import (document_validate, draft_create, draft_delete, draft_submit, draft_update,
                               plan_explain)

from .common import (COUNT_FIELD, PAGE_PARAMETERS, ErrorListSerializer, ErrorSerializer, ExecutionSerializer,
                     PlanItemSerializer, UsernameField, ValidationResultSerializer, WorkspaceSlugField, page_of, paginated,
                     pipeline_param_values, workspace_filter, workspace_for_create)
from .versions import SUBMIT_SCHEMA, submit_response

DOCUMENT_HELP = ("the graph document: schema_version, name, parameters, nodes, edges; its JSON Schema is served at "
                 "/api/v1/schemas/pipeline-document/")


class DraftOutputSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    created_by = UsernameField()

    class Meta:
        model = Draft
        fields = ["id", "workspace", "name", "description", "revision", "created_by", "created_at", "updated_at"]
        ref_name = "Draft"
        extra_kwargs = {"revision": COUNT_FIELD}


class DraftDetailOutputSerializer(DraftOutputSerializer):
    class Meta(DraftOutputSerializer.Meta):
        fields = DraftOutputSerializer.Meta.fields + ["document"]
        ref_name = "DraftDetail"


class DraftListApi(APIView):
    class InputSerializer(serializers.Serializer):
        workspace = serializers.SlugField(required=False, help_text="workspace slug; default: your first workspace")
        name = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        document = serializers.JSONField(required=False, help_text=DOCUMENT_HELP)

        class Meta:
            ref_name = "DraftCreateInput"

    @extend_schema(parameters=[OpenApiParameter("workspace", str, description="workspace slug"), *PAGE_PARAMETERS],
                   operation_id="v1_drafts_list", responses=page_of(DraftOutputSerializer))
    def get(self, request: Request) -> Response:
        qs = draft_list(user=request.user, workspace=workspace_filter(request)).defer("document")
        return paginated(request=request, view=self, queryset=qs, serializer_class=DraftOutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: DraftDetailOutputSerializer, 400: ErrorListSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = workspace_for_create(user=request.user, slug=data.get("workspace"))
        document = data.get("document")
        name = data.get("name") or (document.get("name") if isinstance(document, dict) else None) or "Untitled pipeline"
        draft = draft_create(workspace=workspace, user=request.user, name=str(name)[:200],
                             description=data["description"], document=document)
        return Response(DraftDetailOutputSerializer(draft).data, status=status.HTTP_201_CREATED)


class DraftDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True)
        document = serializers.JSONField(help_text=DOCUMENT_HELP)
        revision = serializers.IntegerField(
            required=False, min_value=1,
            help_text="the revision this edit started from; a different current revision answers 409",
        )

        class Meta:
            ref_name = "DraftUpdateInput"

    @extend_schema(responses=DraftDetailOutputSerializer)
    def get(self, request: Request, draft_id: int) -> Response:
        return Response(DraftDetailOutputSerializer(draft_get(user=request.user, draft_id=draft_id)).data)

    @extend_schema(request=InputSerializer,
                   responses={200: DraftDetailOutputSerializer, 400: ErrorListSerializer, 409: ErrorListSerializer})
    def put(self, request: Request, draft_id: int) -> Response:
        return self._save(request, draft_id, partial=False)

    @extend_schema(request=InputSerializer,
                   responses={200: DraftDetailOutputSerializer, 400: ErrorListSerializer, 409: ErrorListSerializer})
    def patch(self, request: Request, draft_id: int) -> Response:
        return self._save(request, draft_id, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, draft_id: int) -> Response:
        draft_delete(draft=draft_get(user=request.user, draft_id=draft_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _save(self, request: Request, draft_id: int, *, partial: bool) -> Response:
        draft = draft_get(user=request.user, draft_id=draft_id)
        serializer = self.InputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        revision = data.pop("revision", None)
        draft = draft_update(draft=draft, user=request.user, data=data, revision=revision)
        return Response(DraftDetailOutputSerializer(draft).data)


class DraftValidationApi(APIView):
    @extend_schema(responses=ValidationResultSerializer,
                   description="Every compile error of the saved draft (with default parameter values).")
    def get(self, request: Request, draft_id: int) -> Response:
        draft = draft_get(user=request.user, draft_id=draft_id)
        errors = document_validate(workspace=draft.workspace, document=draft.document, draft=draft)
        notes = module_notes(document=draft.document, workspace=draft.workspace)
        return Response({"valid": not errors, "errors": errors, **({"warnings": notes} if notes else {})})


class ColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    dtype = serializers.CharField(help_text="the pandas dtype: int64, float64, object, bool, …")
    role = serializers.CharField(required=False, help_text="label, feature, score or weight (Edit Metadata); absent: none")

    class Meta:
        ref_name = "Column"


class LearnedFromSerializer(serializers.Serializer):
    run = serializers.IntegerField(help_text="the run whose step produced them")
    ports = serializers.ListField(child=serializers.CharField(), help_text="the outputs whose columns were learned")

    class Meta:
        ref_name = "LearnedFrom"


def _port_schemas(help_text: str) -> serializers.DictField:
    return serializers.DictField(child=serializers.ListField(child=ColumnSerializer(), allow_null=True),
                                 help_text=help_text)


class NodeSchemasSerializer(serializers.Serializer):
    inputs = _port_schemas("input port -> its columns; null when not known before running (not wired, upstream "
                           "in error, or not a table)")
    outputs = _port_schemas("output port -> its columns; null when not known (this node or one upstream is in "
                            "error, the module cannot infer it, or not a table)")
    learned_from = LearnedFromSerializer(required=False, help_text="present when outputs the module cannot infer "
                                         "have the columns the node's last successful run produced")

    class Meta:
        ref_name = "NodeSchemas"


class DraftSchemasSerializer(serializers.Serializer):
    nodes = serializers.DictField(child=NodeSchemasSerializer(),
                                  help_text="node id -> its ports' columns (a node of an unknown module has no ports)")
    errors = ErrorSerializer(many=True)

    class Meta:
        ref_name = "DraftSchemas"


class DraftSchemasApi(APIView):
    @extend_schema(responses=DraftSchemasSerializer,
                   description="The columns known at design time on every node's ports, for the saved draft with "
                               "its default parameter values; also when parts of the graph have errors (listed "
                               "in `errors`): only what depends on an error is null.")
    def get(self, request: Request, draft_id: int) -> Response:
        draft = draft_get(user=request.user, draft_id=draft_id)
        return Response(document_schemas(workspace=draft.workspace, document=draft.document, draft=draft))


class DraftPlanApi(APIView):
    @extend_schema(request=ExecutionSerializer,
                   responses={200: PlanItemSerializer(many=True), 400: ErrorListSerializer},
                   description="Which steps a submit would run and which it would reuse, and why.")
    def post(self, request: Request, draft_id: int) -> Response:
        draft = draft_get(user=request.user, draft_id=draft_id)
        serializer = ExecutionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("experiment")  # checked like a submit's; where a run is filed changes nothing of its plan
        return Response(plan_explain(workspace=draft.workspace, document=draft.document, **data))


class DraftSubmitApi(APIView):
    @extend_schema(**SUBMIT_SCHEMA, description="Validate the draft, snapshot it into a version and run it.")
    def post(self, request: Request, draft_id: int) -> Response:
        draft = draft_get(user=request.user, draft_id=draft_id)
        serializer = ExecutionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run, version = draft_submit(draft=draft, user=request.user, **serializer.validated_data)
        return submit_response(request=request, run=run, version=version)


class PipelineValidateApi(APIView):
    class InputSerializer(serializers.Serializer):
        document = serializers.JSONField(help_text=DOCUMENT_HELP)
        params = serializers.DictField(default=dict, help_text="pipeline parameter values by name")
        workspace = serializers.SlugField(required=False, help_text="where datasets are looked up")

        class Meta:
            ref_name = "PipelineValidateInput"

        def validate_params(self, value: dict) -> dict:
            return pipeline_param_values(value)

    @extend_schema(request=InputSerializer, responses={200: ValidationResultSerializer, 400: ErrorListSerializer},
                   description="Compile a document without saving it: 200 when valid, 400 with every error.")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = workspace_for_create(user=request.user, slug=data.get("workspace"))
        errors = document_validate(workspace=workspace, document=data["document"], params=data["params"])
        if errors:
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"valid": True, "errors": []})
