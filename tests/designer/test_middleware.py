"""A NUL character in the URL, the credentials or a cookie never reaches a view or the database."""
from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/drafts/%00/", "/api/v1/artifacts/ab%00cd/", "/api/v1/nope%00/"])
def test_a_nul_in_the_path_is_a_json_404_before_any_query(url, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get(url, HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("query", ["workspace=%00", "name=a%00b", "limit=1&draft=%00", "a%00=1"])
def test_a_nul_in_the_query_is_a_json_400_before_any_query(query, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get(f"/api/v1/drafts/?{query}",
                                HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert response.status_code == 400
    assert "NUL" in response.json()["errors"][0]["message"]


def test_a_nul_in_the_token_is_a_401_before_any_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_a_cookie_holding_a_nul_is_as_if_not_sent(api, user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user).key
    response = Client().get("/api/v1/me/", HTTP_COOKIE="sessionid=abcdefgh\x00ijkl; csrftoken=x\x00y",
                            HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json()["username"] == user.username
    assert Client().get("/api/v1/me/", HTTP_COOKIE="sessionid=abcdefgh\x00ijkl").status_code == 401


def test_a_page_outside_the_api_gets_a_plain_answer():
    response = Client().get("/login/?next=%00")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
