"""WebSocket routes, behind the Origin check and session-or-token authentication."""
from django.urls import path

from .consumers import RunConsumer
from .ws_auth import OriginCheck, TokenOrSessionAuthMiddleware

websocket_urlpatterns = [path("ws/runs/<int:run_id>/", RunConsumer.as_asgi())]


def websocket_application():
    from channels.routing import URLRouter

    return OriginCheck(TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns)))
