"""ASGI entry point: HTTP goes to Django, WebSockets to Channels behind an Origin check and auth.
Request bodies are bounded on the way in (config/bodylimit.py, config/daphne_limits.py)."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

# static files (Swagger UI assets, later the built canvas) come from the app folders directly:
# the embedded mode has no web server in front of daphne
django_asgi_app = ASGIStaticFilesHandler(get_asgi_application())

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config import daphne_limits  # noqa: E402
from config.bodylimit import BodyLimitMiddleware  # noqa: E402
from designer.routing import websocket_application  # noqa: E402

# daphne refuses an over-limit body before buffering it; the middleware covers any other server
daphne_limits.install(settings.REQUEST_BODY_MAX_BYTES)

if settings.ENGINE["AUTOSTART"]:
    # embedded mode: this process drives runs itself (scaled mode: `manage.py engine`)
    from engine import executor

    executor.start()

application = ProtocolTypeRouter({"http": BodyLimitMiddleware(django_asgi_app),
                                  "websocket": websocket_application()})
