"""Settings of a worker machine: the engine and the module catalogue, no designer.

A worker runs steps; it needs the database, Redis and the datastore the web server uses (the same
DATABASE_URL, REDIS_URL, DATASTORE_URL and DATASTORE_ROOT variables, read by config.settings) and
nothing of the designer: `DJANGO_SETTINGS_MODULE=config.worker_settings`. Imports point one way,
modules_catalog <- engine <- designer (docs/architecture.md), and tests/engine/test_standalone.py
holds a worker to it. `manage.py migrate` with these settings creates the engine's tables only.
"""
from __future__ import annotations

import os

from .settings import *  # noqa: F403 - the same database, channel layer, datastore and engine settings

INSTALLED_APPS = [
    "django.contrib.auth",  # runs name who submitted them
    "django.contrib.contenttypes",
    "engine",
]

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "config.worker_urls"
TEMPLATES: list[dict] = []

# A worker is no ASGI server: each task thread keeps its database connection between tasks (a new
# PostgreSQL connection costs about 10 ms, on every step), checked before reuse, and replaced after
# an error or DB_CONN_MAX_AGE seconds (engine.celery_worker.execute calls close_old_connections)
if DATABASE_URL:  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "300"))  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
