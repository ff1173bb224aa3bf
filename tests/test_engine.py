"""The engine every process uses (shared/db/engine.py) against the real database."""

from __future__ import annotations

import traceback
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.api.state import Resources


async def test_a_failed_statement_logs_no_bound_values(resources: Resources) -> None:
    """F6: a 5xx traceback carries the SQL, never the values bound to it (key hashes, text).

    A foreign-key violation: PostgreSQL's own message names only the missing workspace,
    so any marker in the rendered traceback could only come from the bound parameters.
    """
    marker = f"secret-marker-{uuid.uuid4().hex}"
    insert = sa.text(
        "INSERT INTO api_keys (id, workspace_id, name, role, prefix, key_hash, "
        "created_at, updated_at) VALUES (:id, :workspace_id, :name, 'admin', 'smm_xxxxxx', "
        ":key_hash, now(), now())"
    )

    async with resources.engine.connect() as conn:
        with pytest.raises(IntegrityError) as caught:
            await conn.execute(
                insert,
                {
                    "id": uuid.uuid4(),
                    "workspace_id": uuid.uuid4(),
                    "name": marker,
                    "key_hash": marker,
                },
            )

    rendered = "".join(traceback.format_exception(caught.value))
    assert "INSERT INTO api_keys" in rendered
    assert marker not in str(caught.value)
    assert marker not in rendered
