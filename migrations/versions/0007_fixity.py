"""fixity: closed WARC files and verification history

``warc_files`` keeps each WARC file's size, record count and SHA-256 as its writer closed it;
``verifications`` keeps each run of ``viva-archive verify`` (when, what, problems found).

Revision ID: 0007
Revises: 0006 (set to 0005 on the branch until 0006 is merged)
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


UTC_DATETIME = sa.DateTime(timezone=True)
"""Aware timestamps (the models' UTCDateTime stores them as this type; copied here so the
migration never imports the project)."""


def upgrade() -> None:
    op.create_table(
        "warc_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("closed_at", UTC_DATETIME, nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_warc_files_crawl_run_id_crawl_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warc_files")),
        sa.UniqueConstraint("name", name=op.f("uq_warc_files_name")),
    )
    with op.batch_alter_table("warc_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warc_files_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_warc_files_crawl_run_id"), ["crawl_run_id"], unique=False
        )
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=False),
        sa.Column("since", UTC_DATETIME, nullable=True),
        sa.Column("deep", sa.Boolean(), nullable=False),
        sa.Column("files_checked", sa.Integer(), nullable=False),
        sa.Column("revisions_checked", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("problem_lines", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
    )
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verifications_started_at"), ["started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifications_started_at"))
    op.drop_table("verifications")
    with op.batch_alter_table("warc_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warc_files_crawl_run_id"))
        batch_op.drop_index(batch_op.f("ix_warc_files_closed_at"))
    op.drop_table("warc_files")
