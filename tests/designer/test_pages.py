"""Pages outside the API: the UI page behind a login, sign-in/out, health, schema, JSON 404s."""
from __future__ import annotations

import os

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_ui_page_sends_anonymous_visitors_to_the_login_page():
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/")


def test_a_user_signs_in_sees_the_ui_page_and_signs_out(user):
    client = Client()
    assert "Sign in" in client.get("/login/").content.decode()
    response = client.post("/login/", {"username": "ada", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "ada" in page.content.decode()
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


def test_bootstrap_loads_the_samples_and_the_page_lists_them_for_the_admin(settings, tmp_path):
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
    page = client.get("/").content.decode()
    assert page.count("Breast cancer classifier") == 1 and page.count("Diabetes regression") == 1


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
