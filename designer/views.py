"""The pages outside the API: the designer UI (React build, or a placeholder), sign-in and sign-out,
and a health check for load balancers."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from .selectors import dataset_list, draft_list, run_list, workspace_list


def _frontend_index() -> Path:
    return Path(settings.BASE_DIR) / "frontend" / "dist" / "index.html"


@require_GET
@never_cache
@login_required
@ensure_csrf_cookie  # the single-page app reads the csrftoken cookie for its session POSTs
def index(request: HttpRequest) -> HttpResponse:
    built = _frontend_index()
    if built.exists():
        return HttpResponse(built.read_bytes(), content_type="text/html; charset=utf-8")
    return render(request, "designer/index.html", {
        "workspaces": workspace_list(user=request.user),
        "drafts": draft_list(user=request.user)[:50],
        "runs": run_list(user=request.user).select_related("version")[:20],
        "datasets": dataset_list(user=request.user).order_by("-created_at")[:20],
    })


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST signs out; GET shows a one-button confirmation (a link alone must not sign anyone out)."""

    http_method_names = ["get", "post", "options"]
    template_name = "designer/logout.html"
    next_page = settings.LOGIN_URL

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return render(request, self.template_name)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return JsonResponse({"ok": False, "database": str(exc)}, status=503)
    return JsonResponse({"ok": True})
