"""Production mode (config.production): `check --deploy` is silent, weak keys refuse to start, and
every security setting comes from the environment with a secure default."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(50)


def production_env(tmp_path, **overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DJANGO_", "CSRF_", "SESSION_"))}
    env.pop("ALLOWED_HOSTS", None)
    env.update(DJANGO_SETTINGS_MODULE="config.production", DJANGO_SECRET_KEY=STRONG_KEY,
               GRAPHWRIGHT_VAR=str(tmp_path), ALLOWED_HOSTS="graphwright.example.org")
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def settings_in(env: dict[str, str], *names: str) -> dict:
    code = ("import django, json; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_no_warning_in_production_mode(tmp_path):
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize("key, reason", [
    (None, "not set"),
    ("", "not set"),
    ("graphwright-embedded-dev-key-change-me-in-production", "development key"),
    ("short-but-random-Xy7", "too weak"),
    ("a" * 80, "too weak"),
    ("django-insecure-" + "k" * 60 + "abcdef", "django-insecure-"),
])
def test_production_mode_refuses_to_start_with_a_missing_development_or_weak_secret_key(tmp_path, key, reason):
    done = manage(production_env(tmp_path, DJANGO_SECRET_KEY=key), "check", "--deploy")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "production mode refuses to start" in done.stderr
    assert reason in done.stderr


def test_production_mode_refuses_debug(tmp_path):
    done = manage(production_env(tmp_path, DJANGO_DEBUG="1"), "check")
    assert done.returncode != 0 and "DJANGO_DEBUG" in done.stderr


def test_secure_defaults_without_any_security_variable(tmp_path):
    values = settings_in(production_env(tmp_path, ALLOWED_HOSTS=None), "DEBUG", "SECURE_SSL_REDIRECT",
                         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
                         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER",
                         "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
    assert values == {
        "DEBUG": False, "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": None, "ALLOWED_HOSTS": ["localhost", "127.0.0.1"],
        "CSRF_TRUSTED_ORIGINS": ["https://localhost", "https://127.0.0.1"],
    }


def test_every_security_setting_comes_from_the_environment(tmp_path):
    env = production_env(
        tmp_path, ALLOWED_HOSTS="ml.example.org,.corp.example", CSRF_TRUSTED_ORIGINS="https://ml.example.org",
        SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="no", SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0", SECURE_HSTS_PRELOAD="off",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    values = settings_in(env, "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
                         "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                         "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER")
    assert values == {
        "ALLOWED_HOSTS": ["ml.example.org", ".corp.example"], "CSRF_TRUSTED_ORIGINS": ["https://ml.example.org"],
        "SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 600, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False, "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


@pytest.mark.parametrize("name, value", [("SECURE_HSTS_SECONDS", "a year"), ("SECURE_SSL_REDIRECT", "maybe"),
                                         ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")])
def test_a_malformed_security_variable_is_refused_by_name(tmp_path, name, value):
    done = manage(production_env(tmp_path, **{name: value}), "check")
    assert done.returncode != 0 and "ImproperlyConfigured" in done.stderr and name in done.stderr
