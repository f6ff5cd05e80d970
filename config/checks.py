"""System checks of Graphwright's own settings: `check --deploy` names the development secret key."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def development_secret_key(app_configs, **kwargs) -> list[Warning]:
    # Django's own check (security.W009) passes this key: it is long and varied, but it is public
    if settings.SECRET_KEY != getattr(settings, "DEV_SECRET_KEY", None):
        return []
    return [Warning(
        "SECRET_KEY is Graphwright's built-in development key, which anyone can read in the source.",
        hint="Set DJANGO_SECRET_KEY to a long random value, or run in production mode "
             "(DJANGO_SETTINGS_MODULE=config.production), which refuses to start without one.",
        id="graphwright.W001",
    )]
