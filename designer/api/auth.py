"""Tokens for scripts and the SDK, and who the caller is."""
from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.selectors import memberships_of

from .parsers import StrictJSONParser


class TokenApi(APIView):
    """Exchange a username and password for an API token (`Authorization: Token <key>`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [StrictJSONParser, FormParser]  # `curl -d username=… -d password=…` works too

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)

        class Meta:
            ref_name = "TokenInput"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

        class Meta:
            ref_name = "TokenOutput"

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [serializers.ErrorDetail("wrong username or password", code="invalid_credentials")]}
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class MembershipSerializer(serializers.Serializer):
            slug = serializers.CharField(source="workspace.slug")
            name = serializers.CharField(source="workspace.name")
            role = serializers.CharField()

            class Meta:
                ref_name = "MeWorkspace"

        id = serializers.IntegerField()
        username = serializers.CharField()
        email = serializers.CharField(help_text="an email address, or empty when none is on file")
        is_staff = serializers.BooleanField()
        workspaces = MembershipSerializer(many=True)

        class Meta:
            ref_name = "Me"

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        data = {"id": user.pk, "username": user.get_username(), "email": user.email or "",
                "is_staff": user.is_staff, "workspaces": memberships_of(user=user)}
        return Response(self.OutputSerializer(data).data)
