"""Step keys and reuse: a key hashes what a step is (module, code, params), what it reads (the
content hashes of its inputs) and where it runs (the library versions, and its environment's content hash). Equal key, same output."""
from __future__ import annotations

import hashlib
import platform
from functools import lru_cache
from importlib import metadata
from typing import Any, Mapping

from .documents import canonical_json
from .plan import PlannedStep

_LIBRARIES = ("numpy", "pandas", "pyarrow", "scikit-learn")


@lru_cache(maxsize=1)
def environment_fingerprint() -> str:
    parts = [f"python={platform.python_version()}"]
    for lib in _LIBRARIES:
        try:
            parts.append(f"{lib}={metadata.version(lib)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{lib}=absent")
    return ";".join(parts)


def step_key(step: PlannedStep, input_digests: Mapping[str, str]) -> str:
    """The reuse key of `step` given the content digest on each of its input ports."""
    material: dict[str, Any] = {
        "module": step.module,
        "version": step.version,
        "code": step.source_hash,
        "params": step.params,
        "inputs": dict(sorted(input_digests.items())),
        # a step in an environment: its packages (by content hash) beside the project's libraries,
        # which the environment's Python sees after its own
        "env": environment_fingerprint() + (f";environment={step.environment}" if step.environment else ""),
    }
    return hashlib.sha256(canonical_json(material).encode()).hexdigest()


def input_digests(step: PlannedStep, outputs_by_node: Mapping[str, Mapping[str, Any]]) -> dict[str, str] | None:
    """Digests of the step's inputs from its upstream outputs, or None while one is unknown."""
    found: dict[str, str] = {}
    for i in step.inputs:
        out = outputs_by_node.get(i.source, {}).get(i.source_port)
        if out is None:
            return None
        found[i.port] = out["digest"]
    return found
