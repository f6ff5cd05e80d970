"""`check --deploy` in the embedded mode names the built-in development secret key."""
from __future__ import annotations

from config.checks import development_secret_key


def test_the_development_key_is_flagged(settings):
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    assert [w.id for w in development_secret_key(None)] == ["graphwright.W001"]


def test_a_key_of_ones_own_is_not_flagged(settings):
    settings.SECRET_KEY = "x7#" * 20
    assert development_secret_key(None) == []


def test_the_check_runs_with_check_deploy(settings):
    from django.core.checks import run_checks

    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    assert "graphwright.W001" in {m.id for m in run_checks(include_deployment_checks=True)}
