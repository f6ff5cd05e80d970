"""WebSocket routes, behind session-or-token authentication and the Origin check."""
from django.urls import path

from .consumers import RunConsumer
from .ws_auth import OriginCheck, TokenOrSessionAuthMiddleware

websocket_urlpatterns = [path("ws/runs/<int:run_id>/", RunConsumer.as_asgi())]


def websocket_application():
    from channels.routing import URLRouter

    return TokenOrSessionAuthMiddleware(OriginCheck(URLRouter(websocket_urlpatterns)))
