"""The strict JSON parser: finite numbers, bounded nesting, counted without recursion."""
from __future__ import annotations

import pytest

from designer.api.parsers import loads, nesting_depth


@pytest.mark.parametrize("text, depth", [
    ("1", 0), ("[]", 1), ('{"a": [1, {"b": []}]}', 4), ('["[[[", "\\"]]]"]', 1), ('{"k\\\\": "{"}', 1),
])
def test_nesting_is_counted_outside_strings(text, depth):
    assert nesting_depth(text) == depth


def test_a_million_brackets_are_counted_without_recursion():
    assert nesting_depth("[" * 1_000_000 + "]" * 1_000_000) == 1_000_000
    with pytest.raises(ValueError, match="deeper than"):
        loads("[" * 1_000_000 + "]" * 1_000_000)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"x": -Infinity}', "1e309", "-1e400", "1" + "0" * 309])
def test_numbers_that_are_not_finite_doubles_are_refused(text):
    with pytest.raises(ValueError):
        loads(text)


def test_ordinary_json_parses_as_the_standard_library_does():
    assert loads('{"a": [1, 2.5, -3e2, true, null, "x"], "b": {"c": 1.7976931348623157e308}}') == {
        "a": [1, 2.5, -300.0, True, None, "x"], "b": {"c": 1.7976931348623157e308}}


@pytest.mark.parametrize("text", ['"\\ud800"', '{"\\udfff": 1}', '["a\\ud83dz"]'])
def test_a_lone_surrogate_escape_is_refused(text):
    with pytest.raises(ValueError, match="lone surrogate"):
        loads(text)


def test_a_surrogate_pair_is_an_ordinary_character():
    assert loads('"\\ud83d\\ude00"') == "\U0001F600"


@pytest.mark.parametrize("text", ['"a\\u0000b"', '{"k\\u0000": 1}', '[[{"x": ["\\u0000"]}]]'])
def test_a_nul_character_is_refused_since_no_text_column_can_store_it(text):
    with pytest.raises(ValueError, match="NUL"):
        loads(text)


def test_an_escaped_backslash_before_u0000_is_ordinary_text():
    assert loads('"\\\\u0000"') == "\\u0000"


@pytest.mark.django_db
def test_a_json_body_over_the_request_limit_is_a_json_413_read_no_further_than_the_limit(client_for, user,
                                                                                        workspace, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    body = '{"name": "big", "workspace": "%s", "description": "%s"}' % (workspace.slug, "x" * 5000)
    response = client_for(user).post("/api/v1/drafts/", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"
    assert "REQUEST_BODY_MAX_BYTES" in response.json()["errors"][0]["message"]
