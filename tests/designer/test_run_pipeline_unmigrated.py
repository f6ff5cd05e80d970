"""`manage.py run_pipeline` on a database that was never (or not fully) migrated says what to run,
instead of ending in a `no such table` traceback. Run as a user would: a process of its own on a
fresh `var/` folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "diabetes_regression.json"


def manage(var: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(GRAPHWRIGHT_VAR=str(var), DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_database_never_migrated_is_refused_with_the_command_to_run(tmp_path):
    result = manage(tmp_path, "run_pipeline", str(SAMPLE))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "no such table" not in result.stderr
    assert "was never migrated: run `python manage.py migrate`" in result.stderr, result.stderr


def test_a_database_missing_some_migrations_is_refused_the_same_way(tmp_path):
    assert manage(tmp_path, "migrate", "--noinput", "designer", "0001").returncode == 0
    result = manage(tmp_path, "run_pipeline", str(SAMPLE))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "migration(s): run `python manage.py migrate`" in result.stderr, result.stderr
