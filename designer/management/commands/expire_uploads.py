"""`manage.py expire_uploads`: delete chunked upload sessions without a chunk for
UPLOAD_SESSION_TTL_SECONDS, and their part files (run it from cron; new uploads also trigger it)."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from designer.uploads import upload_expire


class Command(BaseCommand):
    help = "Delete abandoned chunked upload sessions and their part files."

    def handle(self, *args, **options) -> None:
        count = upload_expire()
        self.stdout.write(f"{count} expired upload session{'s' if count != 1 else ''} deleted")
