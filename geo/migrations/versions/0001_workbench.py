"""The workbench: edits (append-only), proposals, users.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER edits_no_update BEFORE UPDATE ON edits BEGIN SELECT RAISE(ABORT, 'edits are append-only'); END",
    "CREATE TRIGGER edits_no_delete BEFORE DELETE ON edits BEGIN SELECT RAISE(ABORT, 'edits are append-only'); END",
]
_PG_TRIGGERS = [
    """CREATE FUNCTION edits_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'edits are append-only'; END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER edits_no_update BEFORE UPDATE OR DELETE ON edits FOR EACH ROW EXECUTE FUNCTION edits_append_only()",
    "CREATE TRIGGER edits_no_truncate BEFORE TRUNCATE ON edits FOR EACH STATEMENT EXECUTE FUNCTION edits_append_only()",
]


def upgrade() -> None:
    utc = sa.DateTime(timezone=True)
    op.create_table(
        "users",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("password_hash", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.CheckConstraint("role IN ('editor', 'reviewer')", name="ck_users_role"),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.String(64), nullable=True, index=True),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=True),
        sa.Column("base_version", sa.Integer, nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_at", utc, nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=True),
        sa.CheckConstraint("state IN ('pending', 'accepted', 'rejected')", name="ck_proposals_state"),
    )
    op.create_table(
        "edits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.String(64), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=True),
        sa.Column("reverts", sa.Integer, nullable=True),
        sa.UniqueConstraint("record_id", "seq", name="uq_edits_record_seq"),
    )
    triggers = _PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS edits_no_truncate ON edits")
        op.execute("DROP TRIGGER IF EXISTS edits_no_update ON edits")
        op.execute("DROP FUNCTION IF EXISTS edits_append_only()")
    op.drop_table("edits")
    op.drop_table("proposals")
    op.drop_table("users")
