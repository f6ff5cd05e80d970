"""`manage.py worker --target NAME [--workspace SLUG] [--concurrency N]`: a Celery worker for a
`celery` compute target's queue. A thin wrapper: it looks the target's queue up and execs
`celery -A engine.celery_app worker -Q <queue> --prefetch-multiplier=1 --pool=threads ...`
(the plain celery command works too). The worker needs the server's DATABASE_URL, REDIS_URL and
datastore settings, and imports `engine` and `modules_catalog` only (config.worker_settings)."""
from __future__ import annotations

import os
import shutil
import socket
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Start a Celery worker for a celery compute target's queue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--target", required=True, help="the celery target's name")
        parser.add_argument("--workspace", help="the workspace's slug (needed when several have a target of that name)")
        parser.add_argument("--concurrency", type=int, default=1, help="steps run at once by this worker (default 1)")
        parser.add_argument("--hostname", help="the worker's name (default graphwright-<pid>@<host>)")
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args, **options) -> None:
        from django.conf import settings

        from engine.models import ComputeTarget

        rows = ComputeTarget.objects.filter(name=options["target"], kind=ComputeTarget.Kind.CELERY)
        if options.get("workspace"):
            rows = rows.filter(workspace__slug=options["workspace"])
        queues = sorted({row.settings.get("queue") for row in rows if row.settings.get("queue")})
        if not queues:
            raise CommandError(f"no celery target named {options['target']!r}"
                               + (f" in workspace {options['workspace']!r}" if options.get("workspace") else ""))
        if len(queues) > 1:
            raise CommandError(f"several workspaces have a celery target {options['target']!r} with different queues "
                               f"({', '.join(queues)}): give --workspace")
        if not settings.REDIS_URL:
            raise CommandError("set REDIS_URL to the Redis the server sends its steps to")
        concurrency = options["concurrency"]
        if not 1 <= concurrency <= 64:
            raise CommandError(f"--concurrency is from 1 to 64, not {concurrency}")
        celery = shutil.which("celery", path=os.path.dirname(sys.executable)) or shutil.which("celery")
        if celery is None:
            raise CommandError("the celery command is not installed")
        hostname = options.get("hostname") or f"graphwright-{os.getpid()}@{socket.gethostname()}"
        argv = [celery, "-A", "engine.celery_app", "worker", "-Q", queues[0], "--prefetch-multiplier=1",
                "--pool=threads", f"--concurrency={concurrency}", f"--hostname={hostname}",
                f"--loglevel={options['loglevel']}", "--without-gossip", "--without-mingle"]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.worker_settings")
        os.environ["ENGINE_AUTOSTART"] = "0"
        self.stdout.write(" ".join(argv))
        self.stdout.flush()
        os.execv(celery, argv)
