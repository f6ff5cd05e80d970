"""The registry of declared modules, keyed by (key, version)."""
from __future__ import annotations

import importlib
import pkgutil
from typing import Iterator

from .spec import ModuleSpec


class UnknownModule(LookupError):
    pass


class Registry:
    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], ModuleSpec] = {}

    def add(self, spec: ModuleSpec) -> None:
        ident = (spec.key, spec.version)
        existing = self._specs.get(ident)
        if existing is not None and existing.fn is not spec.fn and existing.source_hash != spec.source_hash:
            raise ValueError(f"module {spec.ref} is declared twice")
        self._specs[ident] = spec

    def get(self, key: str, version: str | None = None) -> ModuleSpec:
        """The spec of `key` at `version`, or its newest version when `version` is None."""
        if version is None:
            versions = self.versions(key)
            if not versions:
                raise UnknownModule(f"unknown module {key!r}")
            return versions[-1]
        try:
            return self._specs[(key, str(version))]
        except KeyError:
            raise UnknownModule(f"unknown module {key!r} version {version!r}") from None

    def versions(self, key: str) -> list[ModuleSpec]:
        found = [s for (k, _), s in self._specs.items() if k == key]
        return sorted(found, key=lambda s: _version_key(s.version))

    def __iter__(self) -> Iterator[ModuleSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (s.category, s.label, _version_key(s.version))))

    def __len__(self) -> int:
        return len(self._specs)


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in version.split("."))


registry = Registry()
_loaded = False


def load_builtins() -> Registry:
    """Import every file of `modules_catalog.builtins` once, registering its modules."""
    global _loaded
    if not _loaded:
        from . import builtins

        for info in pkgutil.iter_modules(builtins.__path__):
            importlib.import_module(f"{builtins.__name__}.{info.name}")
        _loaded = True
    return registry
