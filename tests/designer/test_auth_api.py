"""Who may call the API: tokens for scripts, sessions with CSRF for browsers, nobody anonymous."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_a_token_is_issued_for_a_correct_password_and_authenticates_requests(user, workspace):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "ada", "password": "correct-horse-battery"},
                           format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "ada"
    assert me.json()["workspaces"] == [{"slug": "ada-lab", "name": "Ada-Lab", "role": "owner"}]
    assert client.post("/api/v1/drafts/", {"name": "by token"}, format="json").status_code == 201


def test_passwords_are_hashed_with_pbkdf2_outside_the_tests(user):
    """The tests hash with MD5 for speed (tests/conftest.py); what the project configures is Django's
    PBKDF2, and a password hashed with it checks."""
    import importlib

    from django.conf import global_settings
    from django.contrib.auth.hashers import check_password, make_password

    configured = getattr(importlib.import_module("config.settings"), "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert configured[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert user.password.startswith("md5$")  # the tests' own
    hashed = make_password("correct-horse-battery", hasher="pbkdf2_sha256")
    assert hashed.startswith("pbkdf2_sha256$") and check_password("correct-horse-battery", hashed)


def test_asking_twice_gives_the_same_token(user):
    client = APIClient()
    body = {"username": "ada", "password": "correct-horse-battery"}
    assert client.post("/api/v1/auth/token/", body).json() == client.post("/api/v1/auth/token/", body).json()


def test_a_wrong_password_gets_no_token(user):
    response = APIClient().post("/api/v1/auth/token/", {"username": "ada", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "invalid_credentials", "message": "wrong username or password"}]


def test_a_bad_token_is_refused(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)  # 401 once TokenAuthentication is listed first
    assert response.json()["errors"] == [{"code": "authentication_failed", "message": "Invalid token."}]


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/drafts/", "/api/v1/modules/", "/api/v1/runs/1/"])
def test_anonymous_requests_are_refused(url):
    response = APIClient().get(url)
    assert response.status_code in (401, 403)
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_a_session_post_without_csrf_token_is_refused_and_with_it_succeeds(user, workspace):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="ada", password="correct-horse-battery")
    refused = client.post("/api/v1/drafts/", {"name": "no csrf"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["errors"][0]["message"]

    page = client.get("/")  # the UI page sets the csrftoken cookie
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/drafts/", {"name": "with csrf"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_a_session_get_needs_no_csrf_token(user, workspace):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="ada", password="correct-horse-battery")
    assert client.get("/api/v1/me/").status_code == 200


def test_a_token_can_be_asked_for_with_a_plain_form_as_curl_sends_it(user):
    response = APIClient().post("/api/v1/auth/token/", "username=ada&password=correct-horse-battery",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and response.json()["token"]


def test_an_endpoint_that_takes_json_refuses_a_form_with_415(user, workspace):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/v1/drafts/", {"name": "as a form"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"
