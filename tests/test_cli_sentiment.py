"""`python -m cli.main sentiment-eval` runs (its command was once registered after the
`__main__` guard, so it did not exist when the module ran as a script)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shared.config import ROOT


def test_sentiment_eval_reports_each_set_beside_stock_vader(tmp_path: Path) -> None:
    given = tmp_path / "mine.jsonl"
    rows = [
        {"text": "Service client au top, merci !", "label": "positive"},
        {"text": "Colis jamais arrivé, remboursez-moi", "label": "negative"},
        {"text": "Le magasin ouvre à 9h", "label": "neutral"},
    ]
    given.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "sentiment-eval", "--set", f"fr:{given}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("| set | lang | posts | macro-F1 | stock VADER |")
    assert any(line.startswith("| data/sentiment/fr | fr | 540 |") for line in lines)
    assert any(line.startswith("| mine.jsonl | fr | 3 |") for line in lines)
