"""`manage.py export_modules_doc`: write docs/modules.md, the reference of the built-in modules, from
their declarations (modules_catalog/docs.py)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from modules_catalog.docs import DOC_PATH, builtins_markdown

MODULES_DOC_FILE = Path(settings.BASE_DIR) / DOC_PATH


class Command(BaseCommand):
    help = "Write docs/modules.md: every built-in module by category, from its declaration."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", default=str(MODULES_DOC_FILE), help=f"file to write (default: {MODULES_DOC_FILE})")

    def handle(self, *args, **opts) -> None:
        path = Path(opts["output"])
        path.parent.mkdir(parents=True, exist_ok=True)
        text = builtins_markdown()
        path.write_text(text)
        count = sum(1 for line in text.splitlines() if line.startswith("#### "))
        self.stdout.write(f"wrote {path}: {count} modules")
