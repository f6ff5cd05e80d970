"""The front end's copy of the OpenAPI schema (frontend/openapi.json) and the TypeScript types generated
from it (frontend/src/api/schema.d.ts) are what the server generates now: front and back cannot drift."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
COMMITTED_SCHEMA = ROOT / "frontend" / "openapi.json"
COMMITTED_TYPES = ROOT / "frontend" / "src" / "api" / "schema.d.ts"
GENERATOR = ROOT / "node_modules" / ".bin" / "openapi-typescript"
REGENERATE = (".venv/bin/python manage.py spectacular --format openapi-json --file frontend/openapi.json "
              "&& npm run gen:api")


def test_the_committed_openapi_schema_is_the_one_the_server_generates(tmp_path):
    generated = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(generated))
    assert json.loads(COMMITTED_SCHEMA.read_text()) == json.loads(generated.read_text()), (
        f"frontend/openapi.json is stale: the API changed since it was generated. Regenerate it and the "
        f"TypeScript types with `{REGENERATE}`, then commit both files")


def test_the_committed_typescript_types_are_generated_from_the_committed_schema(tmp_path):
    if not GENERATOR.exists() or shutil.which("node") is None:  # make test installs it before pytest
        pytest.fail("node_modules is not installed: run `npm ci` (or `make test`, which does)")
    generated = tmp_path / "schema.d.ts"
    subprocess.run([str(GENERATOR), str(COMMITTED_SCHEMA), "-o", str(generated)], check=True, cwd=ROOT,
                   capture_output=True, timeout=120)
    assert COMMITTED_TYPES.read_text() == generated.read_text(), (
        f"frontend/src/api/schema.d.ts does not match frontend/openapi.json. Regenerate both with `{REGENERATE}`, "
        f"then commit them")
