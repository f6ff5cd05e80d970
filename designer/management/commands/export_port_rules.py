"""`manage.py export_port_rules`: write the port-type rule table (every pair, from
modules_catalog.ports.can_connect) where the canvas's test of its own rule reads it."""
from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from modules_catalog.ports import rule_table

PORT_RULES_FILE = Path(settings.BASE_DIR) / "frontend" / "src" / "canvas" / "port-rules.json"


def port_rules_json() -> str:
    """The file's exact text: what `export_port_rules` writes and what the check compares."""
    return json.dumps(rule_table(), indent=2) + "\n"


class Command(BaseCommand):
    help = "Write frontend/src/canvas/port-rules.json: can_connect for every pair of port types."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", default=str(PORT_RULES_FILE), help=f"file to write (default: {PORT_RULES_FILE})")

    def handle(self, *args, **opts) -> None:
        path = Path(opts["output"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(port_rules_json())
        table = rule_table()
        self.stdout.write(f"wrote {path}: {len(table['types'])} port types, {len(table['pairs'])} pairs")
