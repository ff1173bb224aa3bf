"""A workspace locale (BCP 47: fr-FR, en-GB, en-US): the CSV dialect a workspace gets by
default (issue 17: Excel in French wants a BOM, `;` and decimal commas), and the console's
language later. Existing workspaces get fr-FR, as their Europe/Paris and EUR defaults.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 06:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "workspaces",
        sa.Column(
            "locale",
            sa.Enum("fr-FR", "en-GB", "en-US", name="locale", native_enum=False, length=32),
            server_default="fr-FR",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("workspaces", "locale")
