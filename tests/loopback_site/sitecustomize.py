"""Start-up hook of every Python process the test session starts (see tests/loopback.py):
this directory is on their `PYTHONPATH`, and only theirs."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

here = Path(__file__).resolve().parent


def _run(path: Path | str, name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if report := os.environ.get("LOOPBACK_REPORT"):
    # By its path: the process may not have the repository's `tests` package importable.
    guard = _run(here.parent / "loopback.py", "_loopback_guard")
    guard.guard_process(report)  # type: ignore[attr-defined]

# The interpreter's own sitecustomize, if this one hides it, still runs.
_shadowed = importlib.machinery.PathFinder.find_spec(
    "sitecustomize", [entry for entry in sys.path if Path(entry or ".").resolve() != here]
)
if _shadowed is not None and _shadowed.origin:
    _run(_shadowed.origin, "_sitecustomize")
