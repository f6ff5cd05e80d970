"""The pages outside the API: the designer (the React app built into frontend/dist), sign-in and
sign-out, and a health check for load balancers."""
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



def _frontend_index() -> Path:
    return Path(settings.FRONTEND_DIST) / "index.html"


@require_GET
@never_cache
@login_required
@ensure_csrf_cookie  # the single-page app reads the csrftoken cookie for its session POSTs
def index(request: HttpRequest) -> HttpResponse:
    """The app's page, on every route of the app, so a reload lands on the same page."""
    try:
        return HttpResponse(_frontend_index().read_bytes(), content_type="text/html; charset=utf-8")
    except FileNotFoundError:  # a checkout whose front end was never built: say how to build it
        return render(request, "designer/not_built.html", status=503)


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
