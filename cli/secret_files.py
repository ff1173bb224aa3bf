"""Files under DATA_DIR that hold secrets (the embedded services' URLs and SECRETS_KEY, the
demo admin key, development keys): readable by their owner only, from the moment they
exist (created 0600, not chmod-ed after a window at the umask's 0644)."""

from __future__ import annotations

import os
from pathlib import Path


def write_secret(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600, replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file kept from an earlier run may have been 0644
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
