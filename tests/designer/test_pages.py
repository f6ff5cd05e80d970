"""Pages outside the API: the UI page behind a login, sign-in/out, health, schema, JSON 404s."""
from __future__ import annotations

import os

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_ui_page_sends_anonymous_visitors_to_the_login_page():
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/")


@pytest.fixture
def built_app(settings, tmp_path):
    """A stand-in for frontend/dist: these tests are about which page Django serves where."""
    (tmp_path / "index.html").write_text('<!doctype html><div id="root"></div><script src="/static/assets/app.js">')
    settings.FRONTEND_DIST = tmp_path
    return tmp_path


def test_a_user_signs_in_sees_the_app_and_signs_out(user, built_app):
    client = Client()
    assert "Sign in" in client.get("/login/").content.decode()
    response = client.post("/login/", {"username": "ada", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and '<div id="root">' in page.content.decode()
    assert "csrftoken" in page.cookies
    assert client.get("/logout/").status_code == 200  # a confirmation, not a sign-out
    assert client.get("/api/v1/me/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_shows_the_login_page_again_with_an_error(user):
    response = Client().post("/login/", {"username": "ada", "password": "wrong"})
    assert response.status_code == 200 and "correct username and password" in response.content.decode()


def test_the_health_check_answers_ok():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_the_openapi_schema_builds_and_documents_the_drafts_endpoint(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert "/api/v1/drafts/" in response.content.decode()


def test_an_unknown_api_path_is_a_json_404_with_a_hint_for_a_missing_slash(api):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    response = api.post("/api/v1/drafts", {}, format="json")
    assert response.status_code == 404 and "trailing slash" in response.json()["errors"][0]["message"]


def test_an_api_path_holding_a_newline_is_a_json_404_too(api):
    response = api.get("/api/v1/datasets/a%0Ab/download/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("route", ["/runs", "/runs/12/", "/drafts/3", "/datasets/7", "/modules",
                                   "/modules/split_data/1/", "/targets"])
def test_a_reload_on_any_route_of_the_app_serves_the_app(user, built_app, route):
    client = Client()
    assert client.get(route).status_code == 302  # signed out: to the sign-in page, then back here
    client.force_login(user)
    response = client.get(route)
    assert response.status_code == 200 and '<div id="root">' in response.content.decode()


@pytest.mark.parametrize("route", ["/drafts/abc", "/runs/1/2", "/drafts/" + "9" * 30, "/modules/a b/1"])
def test_a_path_that_is_no_route_of_the_app_is_a_404(user, built_app, route):
    client = Client()
    client.force_login(user)
    assert client.get(route).status_code == 404


def test_an_unbuilt_front_end_says_how_to_build_it(user, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path / "missing"
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 503 and "make run" in response.content.decode()


def test_bootstrap_loads_the_samples_once_into_the_admins_workspace(settings, tmp_path):
    import io
    import re

    from django.core.management import call_command

    settings.VAR_DIR = tmp_path  # the admin password file goes here, not into the real var/
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    assert (tmp_path / "admin-password.txt").exists()
    password = re.search(r"with password: (\S+)", out.getvalue()).group(1)
    call_command("bootstrap", stdout=io.StringIO())  # a second run adds nothing
    client = Client()
    assert client.login(username="admin", password=password)
    names = [d["name"] for d in client.get("/api/v1/drafts/").json()["results"]]
    assert names.count("Breast cancer classifier") == 1 and names.count("Diabetes regression") == 1


def test_the_api_reference_page_loads_its_assets_from_this_server(api):
    """No CDN: the Swagger UI must work on a machine without internet access."""
    page = api.get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "cdn." not in page and "jsdelivr" not in page
    assert "/static/drf_spectacular_sidecar/" in page


def test_an_unknown_page_is_a_404_page_in_the_designers_style_with_a_way_back(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Graph<span>wright</span>" in body and "/no-such-page/" in body and 'href="/"' in body


def test_a_server_error_page_says_nothing_was_lost():
    from django.template.loader import render_to_string

    body = render_to_string("500.html")
    assert "Nothing you saved was lost" in body and 'href="/"' in body


def test_the_openapi_schema_builds_without_a_warning_and_is_valid():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
