"""The suite's own bookkeeping: pytest's progress reaches 100 % only if every collected
item has a node id of its own (the schemathesis items once shared one)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from shared.config import ROOT


def test_every_fuzz_item_has_its_own_node_id() -> None:
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/api/test_openapi_fuzz.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    ids = [line for line in collected.splitlines() if "::" in line]
    assert len(ids) > 50  # one per operation
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert all(i.endswith("]") for i in ids)  # `test_api_matches_its_schema[GET /v1/x]`
