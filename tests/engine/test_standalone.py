"""Issue 10, item 1: the engine stands alone. Imports and migrations point one way,
modules_catalog <- engine <- designer; a worker (config.worker_settings) sets up, migrates and
imports the engine with no designer; a database made by the migrations before the move (the
fixture below) migrates forward with its rows."""
from __future__ import annotations

import ast
import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[2]
# made by tests/engine/fixtures/make_db_before_issue10.py at commit e3f93c2 (engine 0001-0009,
# designer 0001-0005): one user, workspace, membership, draft, version, artifact, grant, dataset,
# run (of the draft), step, attempt, event and cache entry
OLD_DB = Path(__file__).parent / "fixtures" / "db_before_issue10.sqlite3.gz"


def _subprocess_env(tmp_path: Path, settings_module: str, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE=settings_module, SQLITE_PATH=str(db), GRAPHWRIGHT_VAR=str(tmp_path / "var"),
               ENGINE_AUTOSTART="0", PYTHONPATH=str(ROOT))
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_no_engine_migration_depends_on_a_designer_one():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    graph = loader.graph
    engine_nodes = [key for key in graph.nodes if key[0] == "engine"]
    assert engine_nodes, "the engine has migrations"
    for key in engine_nodes:
        ancestors = graph.forwards_plan(key)
        assert not [a for a in ancestors if a[0] == "designer"], f"{key} depends on a designer migration"
    # and the designer's do build on the engine's (the one direction)
    designer_root = next(key for key in graph.root_nodes("designer"))
    assert any(a[0] == "engine" for a in graph.forwards_plan(designer_root))
    for key, migration in loader.disk_migrations.items():
        if key[0] == "engine":
            assert not [d for d in migration.dependencies if d[0] == "designer"], key


def test_engine_models_point_nowhere_in_the_designer():
    for model in apps.get_app_config("engine").get_models():
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if related is not None and field.concrete:
                assert related._meta.app_label != "designer", f"{model.__name__}.{field.name} -> {related}"
    # the designer's names still reach the same classes
    from designer.models import PipelineVersion, Workspace
    from engine import models as engine_models

    assert Workspace is engine_models.Workspace and PipelineVersion is engine_models.PipelineVersion
    assert Workspace._meta.db_table == "designer_workspace"
    assert PipelineVersion._meta.db_table == "designer_pipelineversion"


def test_no_engine_source_imports_the_designer():
    offenders = []
    for path in (ROOT / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "designer"]
    assert offenders == []


WORKER_PROBE = """
import sys
import django
django.setup()
import engine.executor, engine.runner, engine.targets.local, engine.services, engine.scheduler, engine.recovery
from django.apps import apps
assert not apps.is_installed("designer")
leaked = sorted(m for m in sys.modules if m == "designer" or m.startswith("designer."))
assert not leaked, leaked
from django.db import connection
print(",".join(sorted(connection.introspection.table_names())))
"""


def test_worker_settings_migrate_and_import_without_the_designer(tmp_path):
    env = _subprocess_env(tmp_path, "config.worker_settings", tmp_path / "worker.sqlite3")
    _run(["manage.py", "migrate", "--noinput"], env)
    tables = set(_run(["-c", WORKER_PROBE], env).strip().split(","))
    assert {"engine_run", "engine_step", "engine_artifact", "designer_workspace", "designer_pipelineversion"} <= tables
    # the designer's own tables are not made on a worker
    assert not {"designer_draft", "designer_membership", "designer_dataset"} & tables


UPGRADED_PROBE = """
import django
django.setup()
from django.contrib.contenttypes.models import ContentType
from designer.models import Dataset, Draft, Membership
from engine.models import Artifact, ArtifactGrant, Attempt, CacheEntry, PipelineVersion, Run, RunEvent, Step, Workspace
ws = Workspace.objects.get(slug="lab")
run = Run.objects.get()
version = PipelineVersion.objects.get()
assert (run.workspace_id, run.version_id, run.draft_id, run.experiment, run.status) == (ws.id, version.id, 1, "exp1", "succeeded")
assert (version.draft_id, version.name, version.source_document) == (1, "Iris v1", {"nodes": [], "x": 1})
assert Membership.objects.get().workspace_id == ws.id and Dataset.objects.get().artifact_id == "b" * 64
assert Step.objects.get().run_id == run.id and Attempt.objects.count() == RunEvent.objects.count() == 1
assert CacheEntry.objects.get().workspace_id == ws.id and ArtifactGrant.objects.get().artifact_id == "b" * 64
assert ContentType.objects.get_for_model(Workspace).app_label == "engine"
assert not ContentType.objects.filter(app_label="designer", model__in=["workspace", "pipelineversion"]).exists()
# the draft is a loose reference now: deleting it keeps the run and the version, without it
Draft.objects.get(pk=1).delete()
run.refresh_from_db(); version.refresh_from_db()
assert run.draft_id is None and version.draft_id is None and Step.objects.count() == 1
print("ok")
"""


def test_a_database_made_before_the_move_migrates_with_its_rows(tmp_path):
    db = tmp_path / "old.sqlite3"
    with gzip.open(OLD_DB) as src, open(db, "wb") as dst:
        shutil.copyfileobj(src, dst)
    with sqlite3.connect(db) as con:  # the old path: a real foreign key from the run to its draft
        fks = con.execute("PRAGMA foreign_key_list(engine_run)").fetchall()
        assert any(fk[2] == "designer_draft" for fk in fks)
    env = _subprocess_env(tmp_path, "config.settings", db)
    out = _run(["manage.py", "migrate", "--noinput"], env)
    assert "engine.0010_loose_draft_references" in out
    with sqlite3.connect(db) as con:
        for table in ("engine_run", "designer_pipelineversion"):
            assert not [fk for fk in con.execute(f"PRAGMA foreign_key_list({table})") if fk[2] == "designer_draft"]
        applied = {tuple(r) for r in con.execute("SELECT app, name FROM django_migrations")}
        assert ("engine", "0001_squashed_0009_engine_standalone") in applied
        assert ("designer", "0001_squashed_0005_designer_on_engine") in applied
    assert _run(["-c", UPGRADED_PROBE], env).strip() == "ok"
    # nothing left to make: the models and the migrated state agree
    _run(["manage.py", "makemigrations", "--check", "--dry-run"], env)
