"""An environment on a `docker` target: an image FROM the step image (or the environment's base
image) with the environment's packages in /opt/graphwright-env, first on PYTHONPATH so its pins
win. dockerd builds with no network (`--bridge=none`), so pip runs here, on the host, into the
build context (`pip install --target`, wheels only unless ENV_ALLOW_SOURCE), and the Dockerfile
only copies. Tagged by content hash and base image id: built once per pair, found again after."""
from __future__ import annotations

import os
import tempfile
import threading
from typing import Any

from .envbuild import BuildFailed, BuildLog, pip_command, run_pip
from .envbuild_errors import explain

IMAGE_REPOSITORY = "graphwright-env"
_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}

DOCKERFILE = """FROM {base}
COPY site/ /opt/graphwright-env/
ENV PYTHONPATH=/opt/graphwright-env
"""


def image_for(client: Any, *, base: str, content_hash: str) -> str:
    """The tag of the environment's image on `client`'s daemon, built now if missing; BuildFailed
    naming the package when pip fails, or when no environment has this hash."""
    import docker
    from django.conf import settings

    from .models import EnvironmentBuild

    row = EnvironmentBuild.objects.filter(content_hash=content_hash).first()
    if row is None:
        raise BuildFailed(f"no environment has the hash {content_hash[:12]}")
    base = row.spec.get("base_image") or base
    base_id = client.images.get(base).id.split(":")[-1][:12]  # ImageNotFound: the caller's message
    tag = f"{IMAGE_REPOSITORY}:{content_hash[:16]}-{base_id}"
    with _guard:
        lock = _locks.setdefault(tag, threading.Lock())
    with lock:
        try:
            client.images.get(tag)
            return tag
        except docker.errors.ImageNotFound:
            pass
        packages = list(row.spec.get("packages", []))
        with tempfile.TemporaryDirectory(prefix="gw-envimage-") as context:
            out = BuildLog(None)
            if packages and run_pip(pip_command(packages, target=os.path.join(context, "site")), out) != 0:
                raise BuildFailed(explain(out.text, packages,
                                          source_allowed=bool(settings.ENVIRONMENT_BUILD.get("ALLOW_SOURCE"))))
            os.makedirs(os.path.join(context, "site"), exist_ok=True)
            with open(os.path.join(context, "Dockerfile"), "w") as fh:
                fh.write(DOCKERFILE.format(base=base))
            try:
                client.images.build(path=context, tag=tag, network_mode="none", rm=True, forcerm=True,
                                    labels={"graphwright.environment": content_hash})
            except docker.errors.BuildError as exc:
                raise BuildFailed(f"the environment's image did not build: {exc}") from None
    return tag
