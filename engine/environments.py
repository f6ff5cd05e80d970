"""Environments: a named, versioned list of Python packages (and, for Docker, a base image) that a
node runs with. This file checks what a client sends (names, requirement strings, image), computes
the content hash that names a build and enters the reuse key, and resolves a node's reference
(`name` or `name@version`) for the compiler. Building is engine/envbuild.py's."""
from __future__ import annotations

import hashlib
import json
import platform
import re
from typing import Any, Callable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

NAME_MAX = 64
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
NAME_RULE = "1-64 lowercase letters, digits, '_' or '-', starting with a letter or digit"
# what a node's `environment` says: a name, or a name and a version ("sklearn-old@2")
REF_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}(@[1-9][0-9]{0,8})?$"
REF_RE = re.compile(REF_PATTERN[1:-1] + r"\Z")
MAX_PACKAGES = 50
REQUIREMENT_MAX = 200
# a requirement is printable ASCII: no newline (pip reads none), no NUL, no shell metacharacters
_REQUIREMENT_CHARS = re.compile(r"[A-Za-z0-9_.\-\[\],<>=!~*;'\" ()@:]+\Z")
IMAGE_RE = re.compile(r"[a-z0-9][a-z0-9._/:@-]{0,199}\Z")
MAX_ENVIRONMENTS_PER_WORKSPACE = 200


class EnvironmentInputError(ValueError):
    """Refused input: `errors` are {"field", "code", "message"} items the API returns as a 400."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["message"] for e in errors))


def _refuse(field: str, code: str, message: str) -> EnvironmentInputError:
    return EnvironmentInputError([{"field": field, "code": code, "message": message}])


def validate_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise _refuse("name", "invalid_name", f"an environment's name is {NAME_RULE}, not {repr(name)[:70]}")
    return name


def validate_packages(packages: Any) -> list[str]:
    """Each a PEP 508 requirement of a package by name (no URL, path, file or pip option), at most
    MAX_PACKAGES, each named once; returned in packaging's normal form, sorted by name."""
    if not isinstance(packages, list):
        raise _refuse("packages", "invalid", "packages is a list of requirement strings such as \"six==1.16.0\"")
    if len(packages) > MAX_PACKAGES:
        raise _refuse("packages", "too_many", f"an environment has at most {MAX_PACKAGES} packages, not {len(packages)}")
    errors: list[dict[str, str]] = []
    out: dict[str, str] = {}
    for i, item in enumerate(packages):
        field = f"packages[{i}]"
        if not isinstance(item, str) or not item.strip():
            errors.append({"field": field, "code": "invalid", "message": "a package is a non-empty requirement string"})
            continue
        text = item.strip()
        if len(text) > REQUIREMENT_MAX:
            errors.append({"field": field, "code": "too_long",
                           "message": f"a requirement is at most {REQUIREMENT_MAX} characters"})
            continue
        if text.startswith("-") or not _REQUIREMENT_CHARS.match(text) or "://" in text or "/" in text:
            errors.append({"field": field, "code": "invalid",
                           "message": f"{text[:60]!r} is not a package requirement: give a name and an optional "
                                      "version, e.g. \"six==1.16.0\" (no URL, path or pip option)"})
            continue
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            errors.append({"field": field, "code": "invalid", "message": f"{text[:60]!r} is not a requirement: {exc}"[:300]})
            continue
        if req.url:
            errors.append({"field": field, "code": "invalid",
                           "message": f"{req.name!r}: a requirement names a package on the index, not a URL"})
            continue
        key = canonicalize_name(req.name)
        if key in out:
            errors.append({"field": field, "code": "duplicate", "message": f"{req.name!r} is listed twice"})
            continue
        out[key] = str(req)
    if errors:
        raise EnvironmentInputError(errors[:20])
    return [out[k] for k in sorted(out)]


def validate_base_image(image: Any) -> str:
    if image in (None, ""):
        return ""
    if not isinstance(image, str) or not IMAGE_RE.match(image):
        raise _refuse("base_image", "invalid", "base_image is a Docker image reference in lowercase (at most 200 "
                                               f"characters), not {repr(image)[:70]}")
    return image


def python_version() -> str:
    """The Python a local environment is made with (the engine's own): part of the content hash."""
    return platform.python_version()


def build_spec(packages: list[str], base_image: str = "") -> dict[str, Any]:
    """What a build is made from; its hash names the build (`content_hash`)."""
    return {"python": python_version(), "packages": sorted(packages), "base_image": base_image}


def content_hash(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def parse_ref(ref: str) -> tuple[str, int | None]:
    name, _, version = ref.partition("@")
    return name, (int(version) if version else None)


EnvironmentResolver = Callable[[str], "dict[str, Any] | None"]


def workspace_resolver(workspace_id: int) -> EnvironmentResolver:
    """For the compiler: a node's reference -> {"name", "version", "hash"} of that version (the
    newest without @version), or None for an environment the workspace does not have."""
    from .models import Environment

    found: dict[str, dict[str, Any] | None] = {}

    def resolve(ref: str) -> dict[str, Any] | None:
        if not isinstance(ref, str) or not REF_RE.match(ref):
            return None
        if ref not in found:
            name, version = parse_ref(ref)
            qs = Environment.objects.filter(workspace_id=workspace_id, name=name)
            row = (qs.filter(version=version) if version else qs.order_by("-version")).first()
            found[ref] = None if row is None else {"name": row.name, "version": row.version, "hash": row.content_hash}
        return found[ref]

    return resolve
