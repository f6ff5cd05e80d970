"""`manage.py engine`: drive runs outside the web process (scaled mode); safe to run several."""
from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from engine import executor


class Command(BaseCommand):
    help = "Run the Graphwright engine loop (schedules runs, launches steps, reaps lost attempts)."

    def handle(self, *args, **options) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        ex = executor.start()
        ex.recovered.wait(60)  # "running" once it has adopted the runs nobody drives
        self.stdout.write(f"engine {ex.owner} running; Ctrl-C stops it")
        self.stdout.flush()
        stop.wait()
        executor.stop()
