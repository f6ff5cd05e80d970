"""`manage.py bootstrap`: the default workspace, an admin account on first run, and the samples; it ends
with the sign-in address of the server `make run` starts (`--host`, `--port`: what daphne binds)."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from designer.models import Draft, Membership, Workspace

SAMPLES = Path(settings.BASE_DIR) / "samples"


def sign_in_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server bound to `host`:`port` (a server
    bound to every interface is reached on 127.0.0.1)."""
    host = host.strip().strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}/login/"


class Command(BaseCommand):
    help = "Create the default workspace and admin account (first run) and load the sample pipelines."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address the server binds (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port the server listens on (default: 8000)")

    def handle(self, *args, **options) -> None:
        ws, _ = Workspace.objects.get_or_create(slug="default", defaults={"name": "Default workspace"})
        admin_note = self._admin(ws, sign_in_url(options["host"], options["port"]))
        for path in sorted(SAMPLES.glob("*.json")):
            document = json.loads(path.read_text())
            name = document.get("name", path.stem)
            _, created = Draft.objects.get_or_create(
                workspace=ws, name=name,
                defaults={"document": document, "description": document.get("description", "")},
            )
            if created:
                self.stdout.write(f"loaded sample pipeline: {name}")
        self.stdout.write(admin_note)

    def _admin(self, ws: Workspace, url: str) -> str:
        User = get_user_model()
        password_file = Path(settings.VAR_DIR) / "admin-password.txt"
        if not User.objects.exists():
            password = secrets.token_urlsafe(12)
            admin = User.objects.create_superuser("admin", "", password)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        else:
            admin = User.objects.filter(is_superuser=True).order_by("id").first()
        if admin is not None:
            Membership.objects.get_or_create(workspace=ws, user=admin, defaults={"role": Membership.Role.OWNER})
        if password_file.exists():
            return self.style.SUCCESS(
                f"\n  Log in at {url} as 'admin' with password: "
                f"{password_file.read_text().strip()}\n  (kept in {password_file}; change it under /admin/)\n")
        return f"  Log in at {url} with your account."
