"""Chunked, resumable dataset uploads: open a session, PUT the bytes in order (each chunk within
REQUEST_BODY_MAX_BYTES), ask how much arrived to resume, complete to get the dataset."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.models import Upload
from designer.uploads import (upload_append, upload_complete, upload_create, upload_delete, upload_get,
                              upload_list)

from .common import PAGE_PARAMETERS, ErrorListSerializer, WorkspaceSlugField, page_of, paginated, workspace_for_create
from .datasets import DatasetDetailOutputSerializer

CONTENT_RANGE = re.compile(r"^bytes (\d{1,19})-(\d{1,19})/(\d{1,19}|\*)$", re.ASCII)
OFFSET = re.compile(r"^\d{1,19}$", re.ASCII)
ERRORS = {code: ErrorListSerializer for code in (400, 403, 404, 409, 413, 507)}


class UploadOutputSerializer(serializers.ModelSerializer):
    workspace = WorkspaceSlugField()
    dataset = serializers.IntegerField(source="dataset_id", read_only=True, allow_null=True,
                                       help_text="the dataset made by completing the upload")
    chunk_max = serializers.SerializerMethodField(help_text="the largest chunk the server takes, in bytes")
    expires_at = serializers.SerializerMethodField(help_text="when the session goes if no chunk comes")

    class Meta:
        model = Upload
        fields = ["id", "workspace", "name", "description", "filename", "encoding", "size", "sha256", "received",
                  "status", "dataset", "chunk_max", "created_at", "updated_at", "expires_at"]
        ref_name = "Upload"

    def get_chunk_max(self, upload: Upload) -> int:
        return settings.REQUEST_BODY_MAX_BYTES

    def get_expires_at(self, upload: Upload) -> datetime:
        return upload.updated_at + timedelta(seconds=settings.UPLOAD_SESSION_TTL_SECONDS)


class UploadListApi(APIView):
    class InputSerializer(serializers.Serializer):
        workspace = serializers.SlugField(required=False, help_text="workspace slug; default: your first workspace")
        name = serializers.CharField(max_length=100, help_text="the dataset's name; versions accumulate under it")
        filename = serializers.CharField(max_length=255, help_text="the file's name: its extension picks the format")
        size = serializers.IntegerField(min_value=1, max_value=2**62, help_text="the whole file's size in bytes")
        sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", help_text="SHA-256 of the whole file, in hex")
        description = serializers.CharField(required=False, allow_blank=True, default="")
        encoding = serializers.CharField(required=False, allow_blank=True, max_length=40, default="",
                                         help_text="a CSV's text encoding (utf-8, cp1252, ...); default: detected")

        class Meta:
            ref_name = "UploadInput"

    @extend_schema(parameters=PAGE_PARAMETERS, operation_id="v1_uploads_list",
                   responses=page_of(UploadOutputSerializer))
    def get(self, request: Request) -> Response:
        """Your unfinished uploads, to resume one."""
        return paginated(request=request, view=self, queryset=upload_list(user=request.user),
                         serializer_class=UploadOutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: UploadOutputSerializer, **ERRORS, 429: ErrorListSerializer})
    def post(self, request: Request) -> Response:
        """Open an upload session for one file."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = workspace_for_create(user=request.user, slug=data.get("workspace"))
        upload = upload_create(workspace=workspace, user=request.user, name=data["name"], filename=data["filename"],
                               size=data["size"], sha256=data["sha256"], description=data["description"],
                               encoding=data["encoding"] or None)
        return Response(UploadOutputSerializer(upload).data, status=status.HTTP_201_CREATED)


class UploadDetailApi(APIView):
    @extend_schema(responses={200: UploadOutputSerializer, 404: ErrorListSerializer})
    def get(self, request: Request, upload_id: str) -> Response:
        """The session; `received` is where the next chunk starts."""
        return Response(UploadOutputSerializer(upload_get(user=request.user, upload_id=upload_id)).data)

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter("offset", int, description="where the chunk starts (or the Content-Range header)"),
            OpenApiParameter("Content-Range", str, OpenApiParameter.HEADER,
                             description="bytes <first>-<last>/<size>: the chunk's place in the file"),
        ],
        responses={200: UploadOutputSerializer, **ERRORS},
    )
    def put(self, request: Request, upload_id: str) -> Response:
        """Append one chunk (the raw bytes as the body) at the offset the session has reached."""
        upload = upload_get(user=request.user, upload_id=upload_id)
        offset, length, total = _chunk_position(request)
        # the Django request itself is the body stream: DRF's parsers are not involved
        upload = upload_append(upload=upload, user=request.user, offset=offset, body=request._request,
                               length=length, total=total)
        return Response(UploadOutputSerializer(upload).data)

    @extend_schema(responses={204: None, 403: ErrorListSerializer, 404: ErrorListSerializer})
    def delete(self, request: Request, upload_id: str) -> Response:
        """Abandon the upload and drop what it received."""
        upload_delete(upload=upload_get(user=request.user, upload_id=upload_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UploadCompleteApi(APIView):
    class InputSerializer(serializers.Serializer):
        encoding = serializers.CharField(required=False, allow_blank=True, max_length=40, default="",
                                         help_text="overrides the session's encoding (to retry a CSV)")

        class Meta:
            ref_name = "UploadCompleteInput"

    @extend_schema(request=InputSerializer,
                   responses={200: DatasetDetailOutputSerializer, 201: DatasetDetailOutputSerializer, **ERRORS})
    def post(self, request: Request, upload_id: str) -> Response:
        """Check the whole file's size and SHA-256 and make it a dataset (again: the same dataset)."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = upload_get(user=request.user, upload_id=upload_id)
        dataset, created = upload_complete(upload=upload, user=request.user,
                                           encoding=serializer.validated_data["encoding"] or None)
        return Response(DatasetDetailOutputSerializer(dataset).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _chunk_position(request: Request) -> tuple[int, int | None, int | None]:
    """(offset, length or None, declared file size or None) from Content-Range or ?offset=."""
    raw_length = request.META.get("CONTENT_LENGTH") or ""
    length = int(raw_length) if OFFSET.match(raw_length) else None
    content_range = request.headers.get("Content-Range")
    if content_range:
        match = CONTENT_RANGE.match(content_range.strip())
        if not match or int(match[2]) < int(match[1]):
            raise serializers.ValidationError({"Content-Range": [
                f"{content_range[:80]!r} is not 'bytes <first>-<last>/<size>' with first <= last"]})
        first, last, total = int(match[1]), int(match[2]), match[3]
        if length is not None and last - first + 1 != length:
            raise serializers.ValidationError({"Content-Range": [
                f"the range holds {last - first + 1} bytes but the body has {length}"]})
        return first, last - first + 1, None if total == "*" else int(total)
    raw = request.query_params.get("offset", "")
    if not OFFSET.match(raw):
        raise serializers.ValidationError({"offset": [
            "give the chunk's place: a Content-Range header (bytes <first>-<last>/<size>) or ?offset=<first>"]})
    return int(raw), length, None
