"""pip's failure, said in one sentence that names the package: the build's `error` (its log keeps
everything pip printed)."""
from __future__ import annotations

import platform
import re

_NOT_FOUND = re.compile(r"Could not find a version that satisfies the requirement (\S+) \(from versions: ([^)]*)\)")
_NO_DIST = re.compile(r"No matching distribution found for (\S+)")
_FAILED_BUILD = re.compile(r"(?:Failed to build|Failed building wheel for|Preparing metadata .* for) '?([A-Za-z0-9_.\-]+)'?")
_BUILD_ERROR = ("subprocess-exited-with-error", "Failed to build", "Failed building wheel", "metadata-generation-failed")


def explain(output: str, packages: list[str], *, source_allowed: bool) -> str:
    found = _NOT_FOUND.search(output)
    if found:
        requirement, versions = found.group(1), found.group(2).strip()
        if versions == "none":
            wheel = "" if source_allowed else " (source distributions are not built: ENV_ALLOW_SOURCE)"
            return (f"package {requirement!r} was not found: the package index has no such package, or none of it "
                    f"installs on Python {platform.python_version()} on this platform{wheel}; check its name")
        shown = ", ".join(v.strip() for v in versions.split(",")[-8:])
        return f"no version of {requirement!r} matches: available versions include {shown}"
    missing = _NO_DIST.search(output)
    if missing:
        return f"package {missing.group(1)!r} was not found on the package index; check its name and version"
    if any(marker in output for marker in _BUILD_ERROR):
        names = [m.group(1) for m in _FAILED_BUILD.finditer(output)]
        what = f"package {names[-1]!r}" if names else "a package"
        return f"{what} did not build: {_last_error(output) or 'its build script failed'} (see the build log)"
    if "ResolutionImpossible" in output or "conflicting dependencies" in output:
        return "the packages' requirements conflict: " + (_last_error(output) or ", ".join(packages))[:300]
    return (_last_error(output) or "pip failed")[:500] + " (see the build log)"


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("ERROR:") or line.lower().startswith("error:"):
            return line.split(":", 1)[1].strip()[:300]
    return lines[-1][:300] if lines else ""
