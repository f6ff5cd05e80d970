"""Settings: embedded defaults (SQLite, in-memory channel layer, local target, artifacts under var/),
each overridable from the environment for the scaled-out mode."""
from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from engine.stepspec import DEFAULT_CPU_SECONDS_MAX, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GRAPHWRIGHT_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# the embedded mode's key: public, so `check --deploy` flags it and production mode refuses it
DEV_SECRET_KEY = "graphwright-embedded-dev-key-change-me-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = os.environ.get(
    "CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
).split(",")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here: the docs work without internet
    "channels",
    "engine",
    "designer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "designer.middleware.RefuseNulMiddleware",  # before anything looks up a session, token or object
    "designer.middleware.DatabaseUnavailableMiddleware",  # 503 + JSON, not 500, while the database is away
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "designer" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL")
if DATABASE_URL:
    # no persistent connections under ASGI: sync_to_async threads would each keep one open
    # health checks: a persistent connection broken by a database restart is replaced, not reused
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
                                                  conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            # Django's backend, with each closed connection kept for the next request (under ASGI a
            # request never finds its thread's old connection, whatever CONN_MAX_AGE says)
            "ENGINE": "config.sqlite_pooled",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "graphwright.sqlite3")),
            # a file, not shared-cache memory: the engine thread and requests write concurrently
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

REDIS_URL = os.environ.get("REDIS_URL")
# A channel holds `capacity` messages and a layer drops the rest without a word. Pushes of run events
# are compact and the consumer fills whatever is dropped from the database (docs/architecture.md):
# capacity is headroom, not what delivery depends on.
CHANNEL_CAPACITY = int(os.environ.get("CHANNEL_CAPACITY", "1000"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {
            # socket_timeout above the layer's 5 s blocking pop: redis-py's default (5 s) equals it,
            # and a busy event loop then turns an idle consumer's pop into a TimeoutError
            "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
            "capacity": CHANNEL_CAPACITY,
        }}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                  "CONFIG": {"capacity": CHANNEL_CAPACITY}}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "/static/"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"  # the built app (`make frontend`); its assets are static files
STATICFILES_DIRS = [d for d in [FRONTEND_DIST] if d.exists()]
STATIC_ROOT = VAR_DIR / "static"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # token first: a script with a bad or missing token gets 401 + WWW-Authenticate
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "designer.api.schema.AutoSchema",  # documents every error answer
    "EXCEPTION_HANDLER": "designer.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "designer.api.common.StrictLimitOffsetPagination",
    "PAGE_SIZE": 100,
    # strict JSON: NaN, Infinity, numbers overflowing a double and deep nesting are a 400
    # JSON only (a 415 for anything else): forms are taken only where a view says so (datasets,
    # the token endpoint), so no other view ever parses a multipart body
    "DEFAULT_PARSER_CLASSES": ["designer.api.parsers.StrictJSONParser"],
}
# arrays and objects nested deeper than this in a JSON request body are refused (400)
API_JSON_MAX_DEPTH = int(os.environ.get("API_JSON_MAX_DEPTH", "64"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Graphwright API",
    "DESCRIPTION": "Pipelines, runs, modules, datasets and artifacts of Graphwright.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # one name per status set, whatever serializers use it (else a hash: "Status8e5Enum")
    "ENUM_NAME_OVERRIDES": {"RunStatusEnum": "engine.models.Run.Status",
                            "StepStatusEnum": "engine.models.Step.Status",
                            "EnvironmentBuildStatusEnum": "engine.models.EnvironmentBuild.Status",
                            "AttemptStatusEnum": "engine.models.Attempt.Status",
                            "UploadStatusEnum": "designer.models.Upload.Status",
                            "ModuleStatusEnum": "designer.models.CustomModule.Status",
                            "ComputeTargetKindEnum": "engine.models.ComputeTarget.Kind",
                            "FailureClassEnum": "engine.failures.FAILURE_CLASSES"},
}

# -- engine -------------------------------------------------------------------------------------
DATASTORE_ROOT = os.environ.get("DATASTORE_ROOT", str(VAR_DIR / "datastore"))
# where artifacts live (engine/datastore.py): empty means file://DATASTORE_ROOT; s3://bucket/prefix
# shares them between machines, with the endpoint (any S3-compatible server) and keys below, or
# botocore's own chain (AWS_* variables, config files, instance roles) when those are empty
DATASTORE_URL = os.environ.get("DATASTORE_URL", "")
DATASTORE_OPTIONS = {name: value for name, value in (
    ("endpoint_url", os.environ.get("DATASTORE_S3_ENDPOINT_URL", "")),
    ("key", os.environ.get("DATASTORE_S3_KEY", "")),
    ("secret", os.environ.get("DATASTORE_S3_SECRET", "")),
) if value}
WORK_ROOT = os.environ.get("WORK_ROOT", str(VAR_DIR / "work"))
ENGINE = {
    # name -> settings of each compute target
    "TARGETS": {
        "local": {
            "BACKEND": "engine.targets.local.LocalTarget",
            "CONCURRENCY": int(os.environ.get("LOCAL_CONCURRENCY", "4")),
            "POOL_SIZE": int(os.environ.get("LOCAL_POOL_SIZE", "2")),
            # MB of recent DataFrames each pool worker keeps for the next step (0: off), dropped
            # after FRAME_CACHE_IDLE_SECONDS idle: saves reading a step's input back from Parquet
            "FRAME_CACHE_MB": int(os.environ.get("LOCAL_FRAME_CACHE_MB", "1024")),
            "FRAME_CACHE_IDLE_SECONDS": float(os.environ.get("LOCAL_FRAME_CACHE_IDLE_SECONDS", "30")),
        }
    },
    "DEFAULT_TARGET": "local",
    "STEP_TIMEOUT": float(os.environ.get("STEP_TIMEOUT", DEFAULT_TIMEOUT)),
    "STEP_MEMORY_MB": int(os.environ.get("STEP_MEMORY_MB", DEFAULT_MEMORY_MB)),
    # CPU seconds a step may use (all threads); unset: bounded only by the wall-clock timeout
    "STEP_CPU_SECONDS": int(os.environ["STEP_CPU_SECONDS"]) if os.environ.get("STEP_CPU_SECONDS") else None,
    # the most CPU seconds a node may ask for (its `cpu_seconds`) when STEP_CPU_SECONDS is unset;
    # a node's timeout and memory_mb are capped by STEP_TIMEOUT and STEP_MEMORY_MB
    "STEP_CPU_SECONDS_MAX": int(os.environ.get("STEP_CPU_SECONDS_MAX", DEFAULT_CPU_SECONDS_MAX)),
    "HEARTBEAT_SECONDS": float(os.environ.get("HEARTBEAT_SECONDS", "5")),
    "LEASE_SECONDS": float(os.environ.get("LEASE_SECONDS", "30")),
    # start the engine thread inside the web process (embedded mode)
    "AUTOSTART": os.environ.get("ENGINE_AUTOSTART", "1") == "1",
}
# environments (engine/environments.py): a virtual environment per content hash under this
# folder (outside var/'s private entries: a step that dropped its privileges imports from it);
# pip reads packages from the index (PIP_INDEX_URL: pip's default) or only from ENV_FIND_LINKS
# with ENV_NO_INDEX=1; source distributions are refused unless ENV_ALLOW_SOURCE=1 (building one
# runs its setup code as the server's user)
ENVIRONMENTS_ROOT = os.environ.get("ENVIRONMENTS_ROOT", str(VAR_DIR / "envs"))
ENVIRONMENT_BUILD = {
    "INDEX_URL": os.environ.get("ENV_INDEX_URL", ""),
    "FIND_LINKS": os.environ.get("ENV_FIND_LINKS", ""),
    "NO_INDEX": os.environ.get("ENV_NO_INDEX", "0") == "1",
    "ALLOW_SOURCE": os.environ.get("ENV_ALLOW_SOURCE", "0") == "1",
    "TIMEOUT": float(os.environ.get("ENV_BUILD_TIMEOUT", "900")),  # seconds for one build
}
# the `docker` compute target (engine/targets/docker.py): each step in a container of the image
# `make docker-image` builds; only with DOCKER_TARGET=1, as it needs a Docker engine
if os.environ.get("DOCKER_TARGET") == "1":
    ENGINE["TARGETS"]["docker"] = {
        "BACKEND": "engine.targets.docker.DockerTarget",
        "CONCURRENCY": int(os.environ.get("DOCKER_CONCURRENCY", "2")),
        "IMAGE": os.environ.get("DOCKER_IMAGE", "graphwright-step:latest"),
        "BASE_URL": os.environ.get("DOCKER_HOST") or None,  # unset: the local daemon's socket
        "NETWORK": os.environ.get("DOCKER_NETWORK", "0") == "1",  # off: network "none"
        # a container's memory (MB; a node's memory_mb may ask for less), cores and processes
        "MEMORY_MB": int(os.environ.get("DOCKER_MEMORY_MB", "4096")),
        "CPUS": float(os.environ.get("DOCKER_CPUS", "1")),
        "PIDS": int(os.environ.get("DOCKER_PIDS", "256")),
    }
# -- request bodies and uploads (docs/architecture.md, "Request bodies and uploads") ------------
# Largest request body of any kind; a bigger one is refused with 413 before it is read. Larger
# datasets upload in chunks of at most this size (/api/v1/uploads/).
REQUEST_BODY_MAX_BYTES = int(os.environ.get("REQUEST_BODY_MAX_BYTES", str(16 * 1024**2)))
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES  # Django's own check agrees (413 from the API)
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(2 * 1024**3)))  # a whole dataset file
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "uploads")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
# part files of chunked uploads, named by their random session id; a session without a chunk for
# this long is deleted (on the next new upload, or by `manage.py expire_uploads`)
UPLOAD_PARTS_DIR = os.environ.get("UPLOAD_PARTS_DIR", str(VAR_DIR / "uploads" / "parts"))
UPLOAD_SESSION_TTL_SECONDS = int(os.environ.get("UPLOAD_SESSION_TTL_SECONDS", str(24 * 3600)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"graphwright": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}
