"""Nothing outside engine/datastore.py opens artifact paths or builds them into the store's
folders: downloads, row pages, previews and the scheduler ask the datastore (open(), size(),
meta(), exists(), intact()), which checks what it hands out and works on s3:// as on a folder."""
from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
OWNER = ROOT / "engine" / "datastore.py"

DIRECT = re.compile(
    r"(?<![\w.])(?:\w+(?:\(\))?\.)+path\(\s*\w"              # store.path(digest), datastore().path(d)
    r"|\._(?:objects|meta_path|key|tmp)\b"                  # the store's private folders and keys
    r"|join\([^)]*(?:DATASTORE_ROOT|\.root\b)"               # os.path.join(settings.DATASTORE_ROOT, ...)
    r"|DATASTORE_ROOT\s*\)?\s*/"                             # Path(settings.DATASTORE_ROOT) / "objects"
    r"""|["'](?:objects|meta|quarantine)/"""                 # "objects/ab/abcd..."
)


def offending_lines() -> list[str]:
    found = []
    for folder in ("designer", "engine"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == OWNER or "migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if not line.lstrip().startswith("#") and DIRECT.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    return found


def test_the_pattern_catches_the_ways_code_used_to_reach_into_the_store():
    for line in ('path = datastore().path(dataset.artifact_id)', 'path = store.path(digest)',
                 'os.path.join(settings.DATASTORE_ROOT, "objects", d[:2], d)',
                 'Path(settings.DATASTORE_ROOT) / "meta"', 'os.path.join(self.store.root, "objects")',
                 'p = ds._objects', 'open(f"objects/{d[:2]}/{d}", "rb")'):
        assert DIRECT.search(line), line
    for line in ('os.path.join(spec.workdir, LOG_NAME)', 'os.path.exists(path)', 'custom.store(settings.DATASTORE_ROOT, '
                 'data, declared)', 'source = datastore().open(artifact.digest)', 'request.path'):
        assert not DIRECT.search(line), line


def test_nothing_outside_the_datastore_module_builds_paths_into_the_store():
    assert offending_lines() == []
