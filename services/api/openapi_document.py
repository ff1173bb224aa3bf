"""The OpenAPI document as committed in docs/openapi.json: client generators and the lint
(`make openapi-check`) read that file, and a test fails when the app's document drifts
from it. `make openapi` rewrites it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from services.api.main import create_app
from shared.config import Settings

PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def document() -> str:
    """The app's document, as text that diffs well (indented, keys in the app's order). No
    setting changes it: the app is built with placeholders and opens nothing."""
    app = create_app(
        Settings(database_url="postgresql://x@localhost/x", redis_url="redis://localhost")
    )
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else PATH
    target.write_text(document(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
