"""`manage.py run_pipeline FILE.json`: run a graph document without the browser, print each step's
status as it changes, end with one JSON line summarising the run."""
from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from designer.models import Workspace
from designer.selectors import dataset_resolver
from designer.services import document_validate, version_snapshot
from engine import events, executor
from engine.compiler import CompileError
from engine.models import Run
from engine.services import run_submit


def _parse_param(text: str) -> tuple[str, object]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise CommandError(f"--param takes NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw  # plain text


def _require_migrated() -> None:
    """Refuse, saying what to run, when the database is unreachable or lacks migrations (a fresh
    `var/` never migrated ends in `no such table` otherwise). Migrating is left to the user: the
    database may be a shared one that someone else upgrades."""
    connection = connections[DEFAULT_DB_ALIAS]
    name = connection.settings_dict["NAME"]
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(f"cannot read the database {name}: {exc}") from None
    if pending:
        what = "was never migrated" if not executor.loader.applied_migrations else f"lacks {len(pending)} migration(s)"
        raise CommandError(f"the database {name} {what}: run `python manage.py migrate` "
                           "(`make run` does it too), then run the pipeline again")


class Command(BaseCommand):
    help = "Run a pipeline graph document headless and print a JSON summary."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="graph document (JSON)")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                            help="pipeline parameter value (JSON or text); repeatable")
        parser.add_argument("--force", action="store_true", help="run every step, reusing nothing")
        parser.add_argument("--workspace", default="default", help="workspace slug (default: default)")
        parser.add_argument("--timeout", type=float, default=None, help="give up waiting after N seconds")

    def handle(self, *args, **opts) -> None:
        _require_migrated()
        path = Path(opts["file"])
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError:
            raise CommandError(f"no such file: {path}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from None
        params = dict(_parse_param(p) for p in opts["param"])
        ws, _ = Workspace.objects.get_or_create(slug=opts["workspace"], defaults={"name": opts["workspace"].title()})
        errors = document_validate(workspace=ws, document=document, params=params)
        if errors:
            for e in errors:
                self.stderr.write(f"  error: {e['message']}")
            self.stdout.write(json.dumps({"status": "invalid", "errors": errors}))
            sys.exit(2)
        version = version_snapshot(workspace=ws, user=None, document=document, name=document.get("name") or path.stem)
        done = threading.Event()
        run_id: list[int] = []

        def show(event: dict) -> None:
            if not run_id or event["run"] != run_id[0]:
                return
            if event["type"] == "step.status":
                self.stderr.write(f"  {event['node']:<20} {event['status']}")
            elif event["type"] == "run.status" and event["status"] in Run.FINAL:
                done.set()

        events.add_listener(show)
        ex = executor.start()
        try:
            run = run_submit(workspace=ws, version=version, params=params, force=opts["force"],
                             resolve_dataset=dataset_resolver(workspace=ws))
            run_id.append(run.id)
            self.stderr.write(f"run {run.id} of {path.name}")
            if Run.objects.get(pk=run.id).status not in Run.FINAL:
                done.wait(opts["timeout"])
        except CompileError as exc:
            self.stdout.write(json.dumps({"status": "invalid", "errors": exc.errors}))
            sys.exit(2)
        finally:
            events.remove_listener(show)
            executor.stop()
        run = Run.objects.get(pk=run.id)
        summary = {
            "run": run.id, "status": run.status, "error": run.error,
            "duration": (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else None,
            "steps": {s.node_id: {"status": s.status, "reused": s.status == "cached", "duration": s.duration,
                                  **({"error": s.error} if s.error else {})} for s in run.steps.all()},
            "launched": ex.launches(),
        }
        self.stdout.write(json.dumps(summary))
        if run.status != Run.Status.SUCCEEDED:
            sys.exit(1)
