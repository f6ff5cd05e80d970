"""Every operation of the OpenAPI schema, fuzzed by schemathesis as the owner, an editor, a viewer and
an anonymous caller: never a 5xx, and every answer as the schema documents it (status code, media
type, body)."""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import ROLES

# Invalid requests are sent too (mode "all") and must get a documented 4xx, never a 5xx. Not asserted:
# that every schema-violating request is refused (negative_data_rejection): bad values of declared
# parameters and bodies are refused (`?limit=abc` is a 400, a form sent to a JSON endpoint a 415), but
# unknown query parameters (`?offset[x]=1`, `?zz=1`) are ignored, as most HTTP APIs do.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _openapi() -> dict:
    """The schema `/api/schema/` serves, as JSON."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(_openapi(), config=schemathesis.config.SchemathesisConfig.from_dict({
    "generation": {"mode": "all", "deterministic": True},
    # the coverage phase alone sends hundreds of requests per operation: examples + fuzzing stay bounded
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
}))


# the anonymous caller is fuzzed in the embedded pass only: every operation but the token's refuses it
# before the database is asked (and the token's is fuzzed as each role in both passes)
@pytest.mark.parametrize("role", [pytest.param(r, marks=pytest.mark.embedded_only) if r == "anonymous" else r
                                  for r in ROLES])
@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_operation_answers_as_documented_and_never_with_a_server_error(case, data, role, world, asgi_app):
    # half the time aim at objects that exist, so the fuzzer gets past the 404s
    for where in ("path_parameters", "query", "body"):
        values = getattr(case, where)
        for name in list(values) if isinstance(values, dict) else []:
            if name in world.ids and data.draw(st.booleans(), label=f"real {where} {name}"):
                values[name] = data.draw(st.sampled_from(world.ids[name]), label=name)
    if role != "anonymous":
        case.headers = {**(case.headers or {}), **world.headers(role)}
    case.call_and_validate(app=asgi_app, checks=CHECKS)
