"""The sample pipelines (samples/*.json) offered as "New from sample" in every workspace."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def samples_dir() -> Path:
    return Path(settings.BASE_DIR) / "samples"


class SampleSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="the sample's file name without .json")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    document = serializers.JSONField(help_text="the pipeline document, to POST as a new draft")

    class Meta:
        ref_name = "Sample"


@lru_cache(maxsize=4)
def _read_samples(folder: str, stamp: tuple[tuple[str, int], ...]) -> tuple[dict, ...]:
    """The samples of `folder`, read again only when a file changes (`stamp`: names and mtimes)."""
    samples = []
    for name, _ in stamp:
        path = Path(folder) / name
        document = json.loads(path.read_text(encoding="utf-8"))
        samples.append({"key": path.stem, "name": str(document.get("name") or path.stem),
                        "description": str(document.get("description") or ""), "document": document})
    return tuple(samples)


def sample_list() -> list[dict]:
    folder = samples_dir()
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return list(_read_samples(str(folder), tuple((p.name, p.stat().st_mtime_ns) for p in paths)))


class SampleListApi(APIView):
    @extend_schema(responses=SampleSerializer(many=True), operation_id="v1_samples_list",
                   description="The sample pipelines, each with its whole document (the same ones bootstrap "
                               "loads as drafts of the default workspace).")
    def get(self, request: Request) -> Response:
        return Response(SampleSerializer(sample_list(), many=True).data)
