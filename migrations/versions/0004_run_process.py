"""run process start time

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 00:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)
"""The database type of ``storage.types.UTCDateTime`` (the UTC handling is the models'), copied
here so that a change to ``storage`` never changes what this migration does."""

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("process_started_at", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("process_started_at")
