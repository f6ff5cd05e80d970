"""Production mode (`DJANGO_SETTINGS_MODULE=config.production`): the embedded settings with DEBUG off,
HTTPS-only cookies, HSTS and SSL redirect, each settable from the environment; refuses a weak key."""
from __future__ import annotations

import os

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403 - production is the embedded settings plus what follows
from .settings import DEV_SECRET_KEY

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name}={raw!r}: use 1 or 0 (true/false, yes/no, on/off)")
    return raw in _TRUE


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: must be a whole number") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name}={raw!r}: must not be negative")
    return value


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key_problem(key: str | None) -> str | None:
    """Why `key` cannot sign production sessions and tokens, or None when it can."""
    if not key:
        return "DJANGO_SECRET_KEY is not set"
    if key == DEV_SECRET_KEY:
        return "DJANGO_SECRET_KEY is the built-in development key, which is public"
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"DJANGO_SECRET_KEY starts with {SECRET_KEY_INSECURE_PREFIX!r}: a generated development key"
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (f"DJANGO_SECRET_KEY is too weak: it needs at least {SECRET_KEY_MIN_LENGTH} characters "
                f"and {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones")
    return None


_problem = secret_key_problem(os.environ.get("DJANGO_SECRET_KEY"))
if _problem:
    raise ImproperlyConfigured(
        f"production mode refuses to start: {_problem}. Generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and set DJANGO_SECRET_KEY."
    )
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

if _env_bool("DJANGO_DEBUG", False):
    raise ImproperlyConfigured("production mode refuses DJANGO_DEBUG=1: debug pages show settings and code")
DEBUG = False

# no `testserver`, no wildcard: a Host header the operator did not name is refused
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = _env_list(
    "CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS if not host.startswith(".")]
)

SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", True)
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", True)


def _proxy_ssl_header() -> tuple[str, str] | None:
    # unset by default: trusting a header no proxy of ours sets would let any client claim HTTPS
    raw = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
    if not raw:
        return None
    header, sep, value = (part.strip() for part in raw.partition(","))
    if not sep or not header.startswith("HTTP_") or not value:
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER={raw!r}: write it as HEADER,VALUE, e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    return header, value


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
