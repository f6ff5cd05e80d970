"""Routes of the pages: the designer UI, sign-in, sign-out and the health check."""
from __future__ import annotations

from django.urls import path, re_path

from . import views

# the single-page app's own routes (frontend/src/app/App.tsx): a reload on any of them serves the app
APP_ROUTES = (r"^(?:drafts/\d{1,18}|runs(?:/\d{1,18})?|datasets(?:/\d{1,18})?"
              r"|modules(?:/[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,50})?|custom-modules|targets|environments)/?$")

urlpatterns = [
    path("", views.index, name="index"),
    re_path(APP_ROUTES, views.index, name="app-route"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]
