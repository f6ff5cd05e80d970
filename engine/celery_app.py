"""The Celery application of Graphwright's `celery` compute targets (engine/targets/celery.py).

A worker machine runs `manage.py worker --target NAME` (or plainly
`celery -A engine.celery_app worker -Q <queue>`) with the same DATABASE_URL, REDIS_URL and datastore
settings as the server; it imports `engine` and `modules_catalog` only (config.worker_settings).

Delivery is at least once (late acknowledgement, prefetch of one, a task redelivered when its
worker is lost); the database stays the truth: the task runs only if it can claim its attempt with
the fencing token the engine gave it (a second delivery finds the attempt claimed and does nothing),
the worker renews the attempt's lease while the step runs, and the result is recorded only while
the attempt is still running and still holds that token (engine/celery_worker.py).
"""
from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.worker_settings")

import django  # noqa: E402
from celery import Celery  # noqa: E402
from celery.signals import worker_ready  # noqa: E402
from django.conf import settings  # noqa: E402

from django.apps import apps  # noqa: E402

if not apps.ready:  # a worker process; inside the server Django is set up already
    django.setup()

app = Celery("graphwright")
app.conf.update(
    # no default: without REDIS_URL a celery target refuses to launch (engine/targets/celery.py)
    broker_url=getattr(settings, "CELERY_BROKER_URL", None) or settings.REDIS_URL or "memory://",
    result_backend=None,  # results go to the database (engine.results.record_result), never to Celery
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="graphwright",
    # a message not acknowledged within this long goes to another worker; harmless (the attempt is
    # claimed once, see engine/celery_worker.py), and a worker that died before claiming its task
    # does not hold it for Redis' default hour
    broker_transport_options={"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600"))},
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    worker_send_task_events=False,
)
# Celery's Django fix-up closes the database connection before and after every task unless this
# (old-style) setting says how many tasks may share one: a new PostgreSQL connection costs a few ms
# on every step. Connections are still checked and replaced by engine.celery_worker.execute
# (close_old_connections: CONN_MAX_AGE and CONN_HEALTH_CHECKS of config.worker_settings).
app.conf["CELERY_DB_REUSE_MAX"] = 10_000


@app.task(name="graphwright.run_attempt", bind=True, acks_late=True, reject_on_worker_lost=True)
def run_attempt(self, spec_json: dict, fencing_token: str) -> str:
    """Run one attempt of a step (see engine.celery_worker.execute); returns what became of it."""
    from .celery_worker import execute

    return execute(spec_json, fencing_token, worker=str(self.request.hostname or "celery"))


@worker_ready.connect
def _presence(sender=None, **_: object) -> None:
    """Publish who this worker is and what it runs (engine.celery_worker.start_presence), and warm
    its local target up (engine.celery_worker.warm_up)."""
    from .celery_worker import start_presence, warm_up

    warm_up()

    queues = sorted(sender.app.amqp.queues.consume_from or {}) if sender is not None else []
    start_presence(str(getattr(sender, "hostname", "") or "celery"), queues or [app.conf.task_default_queue])
