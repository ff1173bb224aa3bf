"""Issue 18: `make run` installs the runtime dependencies alone (no pytest, mypy, ruff or
schemathesis in what serves requests); `make test` installs the development tools too.
Read from `make -n` in a copy of the project's build files, so nothing is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from shared.config import ROOT


def _planned(tmp_path: Path, target: str) -> list[str]:
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    # An existing file stands for uv (the recipe's order-only prerequisite); -n runs nothing.
    done = subprocess.run(
        ["make", "-n", target, "UV=/usr/bin/env"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if " sync " in f" {line} "]


def test_make_run_installs_no_development_tools(tmp_path: Path) -> None:
    [sync] = _planned(tmp_path, "run")
    assert "--no-dev" in sync.split()


def test_make_test_installs_the_development_tools(tmp_path: Path) -> None:
    [sync] = _planned(tmp_path, "test")
    assert "--no-dev" not in sync.split()
