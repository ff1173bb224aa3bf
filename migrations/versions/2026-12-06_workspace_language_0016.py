"""A workspace language (fr, en): what the product writes for the team (alert summaries,
playbooks, report labels, CSV headers), issue 18. Existing workspaces speak their
locale's: fr-FR is French, en-GB and en-US English.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 06:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "workspaces",
        sa.Column(
            "language",
            sa.Enum("fr", "en", name="language", native_enum=False, length=32),
            server_default="fr",
            nullable=False,
        ),
    )
    op.execute("UPDATE workspaces SET language = 'en' WHERE locale LIKE 'en-%'")


def downgrade() -> None:
    op.drop_column("workspaces", "language")
