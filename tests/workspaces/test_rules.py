"""API keys and roles (pure: no database, no network)."""

from __future__ import annotations

import uuid

import pytest

from shared.workspaces.models import Role
from shared.workspaces.service import KEY_PREFIX, Principal, hash_key, new_key


def test_keys_are_random_prefixed_and_hashed() -> None:
    key, prefix = new_key()
    other, _ = new_key()
    assert key.startswith(KEY_PREFIX)
    assert key.startswith(prefix)
    assert key != other
    assert len(key) > 40
    assert len(hash_key(key)) == 64


def test_roles_are_ordered() -> None:
    editor = Principal(uuid.uuid4(), uuid.uuid4(), Role.editor)
    editor.require(Role.viewer)
    editor.require(Role.editor)
    with pytest.raises(Exception, match="admin"):
        editor.require(Role.admin)
