"""ASGI entry point: HTTP goes to Django, WebSockets to Channels behind an Origin check and auth."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from designer.routing import websocket_application  # noqa: E402

if settings.ENGINE["AUTOSTART"]:
    # embedded mode: this process drives runs itself (scaled mode: `manage.py engine`)
    from engine import executor

    executor.start()

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application()})
