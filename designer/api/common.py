"""Pieces every resource view shares: picking the workspace, pagination, user summaries."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from designer.models import Workspace
from designer.selectors import workspace_default, workspace_get, workspace_list
from engine.document_schema import MAX_PARAMETERS, NAME_MAX
from engine.experiments import DEFAULT_EXPERIMENT, EXPERIMENT_MAX, EXPERIMENT_RULE, experiment_name

MAX_ID = 2**63 - 1  # the largest id a database column (BigAutoField) can hold


def workspace_for_create(*, user, slug: str | None) -> Workspace:
    """The workspace named in a create body, or the user's first one; a 400 pointing at the field
    when there is none (the same answer for a foreign and a missing workspace)."""
    if slug:
        workspace = workspace_list(user=user).filter(slug=slug).first()
        if workspace is None:
            raise serializers.ValidationError({"workspace": [f"no workspace {slug!r} among yours"]})
        return workspace
    workspace = workspace_default(user=user)
    if workspace is None:
        raise serializers.ValidationError({"workspace": ["you are not a member of any workspace; create one first"]})
    return workspace


def workspace_filter(request: Request) -> Workspace | None:
    """The workspace of a `?workspace=<slug>` list filter (404 when it is not one of the user's)."""
    slug = request.query_params.get("workspace")
    return workspace_get(user=request.user, slug=slug) if slug else None


def int_param(request: Request, name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A query parameter that is an id or a count: decimal digits only, from `minimum` to `maximum`
    (a 400 naming it otherwise: '1e30', '-1' or a number no column can hold never reaches a query)."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and minimum <= int(raw) <= maximum):
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        raise serializers.ValidationError(
            {name: [f"must be a whole number from {minimum} to {maximum}, not {shown!r}"]})
    return int(raw)


def int_parameter(name: str, description: str, *, minimum: int = 1) -> OpenApiParameter:
    """For the schema: a query parameter read by int_param."""
    return OpenApiParameter(name, {"type": "integer", "minimum": minimum, "maximum": MAX_ID}, description=description)


MAX_PAGE = 1000


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """LimitOffset with its numbers checked: DRF quietly ignores `?limit=abc` and `?offset=-1.5`, and
    puts no ceiling on a page; here they are a 400 naming the parameter, and a page holds at most
    MAX_PAGE items."""

    max_limit = MAX_PAGE

    def get_limit(self, request: Request) -> int:
        return int_param(request, self.limit_query_param, maximum=MAX_PAGE) or self.default_limit

    def get_offset(self, request: Request) -> int:
        return int_param(request, self.offset_query_param, minimum=0) or 0


def paginated(*, request: Request, view: Any, queryset: QuerySet, serializer_class: type) -> Response:
    """A LimitOffset page: {"count", "next", "previous", "results"}."""
    paginator = StrictLimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)


PAGE_PARAMETERS = [
    OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                     description=f"page size (default 100, at most {MAX_PAGE})"),
    OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                     description="index of the first result"),
]


def page_of(serializer_class: type) -> serializers.Serializer:
    """For the schema: one LimitOffset page of `serializer_class` items."""
    name = getattr(getattr(serializer_class, "Meta", None), "ref_name", None) or serializer_class.__name__
    return inline_serializer(name=f"Paginated{name}List", fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": serializer_class(many=True),
    })


# A positive whole-number model field, stated the same for every database: Django's range for
# PositiveIntegerField follows the backend (SQLite: 64-bit, PostgreSQL: 32-bit), and the schema,
# the committed frontend/openapi.json and the generated client must not (revisions and dataset
# versions stay far below either bound)
COUNT_FIELD = {"min_value": 0, "max_value": 2**31 - 1}


class WorkspaceSlugField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", read_only=True, **kwargs)


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="username", read_only=True, **kwargs)


class TextField(serializers.CharField):
    """A CharField that takes text only: DRF's turns 7 or true into "7" and "True"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ExecutionSerializer(serializers.Serializer):
    """Body of submit and plan: pipeline parameter values, whether to ignore the cache, and the
    experiment the run is filed under (a plan checks it and otherwise ignores it)."""

    params = serializers.DictField(default=dict, help_text="pipeline parameter values by name")
    force = serializers.BooleanField(default=False, help_text="run every step, reuse nothing")
    experiment = TextField(
        required=False, allow_null=True, allow_blank=True, max_length=EXPERIMENT_MAX, default=None,
        help_text=f"the experiment the run is filed under (surrounding spaces trimmed; missing, null or blank: "
                  f"{DEFAULT_EXPERIMENT!r}); {EXPERIMENT_RULE}")

    class Meta:
        ref_name = "ExecutionInput"

    def validate_params(self, value: dict) -> dict:
        return pipeline_param_values(value)

    def validate_experiment(self, value: str | None) -> str:
        try:
            return experiment_name(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


def pipeline_param_values(value: dict) -> dict:
    """Values given for pipeline parameters: at most MAX_PARAMETERS, names no longer than a name
    can be (their values are checked against the declarations by the compiler)."""
    if len(value) > MAX_PARAMETERS:
        raise serializers.ValidationError(f"at most {MAX_PARAMETERS} pipeline parameter values")
    for key in value:
        if len(key) > NAME_MAX:
            raise serializers.ValidationError(f"{key[:40]!r}… is longer than a parameter name can be ({NAME_MAX})")
    return value


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    node = serializers.CharField(required=False, allow_null=True)
    edge = serializers.CharField(required=False, allow_null=True)
    port = serializers.CharField(required=False, allow_null=True)
    param = serializers.CharField(required=False, allow_null=True)
    column = serializers.CharField(required=False, allow_null=True, help_text="the input column the error is about")
    hint = serializers.CharField(required=False, allow_null=True, help_text="what the user can do about it")
    field = serializers.CharField(required=False)

    class Meta:
        ref_name = "Error"


class ErrorListSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)

    class Meta:
        ref_name = "Errors"


class NoteSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="deprecated_module or newer_version")
    severity = serializers.ChoiceField(choices=["warning", "info"])
    message = serializers.CharField()
    node = serializers.CharField()

    class Meta:
        ref_name = "ValidationNote"


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = ErrorSerializer(many=True)
    warnings = NoteSerializer(many=True, required=False,
                              help_text="what does not stop a run: a deprecated module version, a newer "
                                        "version (absent when there is none)")

    class Meta:
        ref_name = "ValidationResult"


class PlanItemSerializer(serializers.Serializer):
    node = serializers.CharField()
    module = serializers.CharField()
    version = serializers.CharField()
    action = serializers.ChoiceField(choices=["run", "reuse"])
    reason = serializers.CharField()
    cache_key = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "PlanItem"
