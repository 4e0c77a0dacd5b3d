"""The metadata store's tables (SQLAlchemy Core), one schema for SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa

meta = sa.MetaData()

resources = sa.Table(
    "resources", meta,
    sa.Column("arn", sa.String(512), primary_key=True),
    sa.Column("kind", sa.String(64), nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
)
tags = sa.Table(
    "tags", meta,
    sa.Column("arn", sa.String(512), primary_key=True),
    sa.Column("key", sa.String(256), primary_key=True),
    sa.Column("value", sa.String(512), nullable=False),
)
jobs = sa.Table(
    "jobs", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("arn", sa.String(512), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Column("lane", sa.String(16), nullable=False, server_default="heavy", index=True),
    # the server process running the job, and until when its claim holds unless renewed
    sa.Column("owner", sa.String(128)),
    sa.Column("lease_until", sa.Float),
    # what the running job reports: when its run started, its share done (0..1) and its stage, in words
    sa.Column("started", sa.Float),
    sa.Column("progress", sa.Float),
    sa.Column("stage", sa.String(256)),
)
events = sa.Table(
    "events", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset_group_arn", sa.String(512), nullable=False),
    sa.Column("user_id", sa.String(256)),
    sa.Column("session_id", sa.String(256)),
    sa.Column("item_id", sa.String(256)),
    sa.Column("event_type", sa.String(256)),
    sa.Column("event_value", sa.Float),
    sa.Column("timestamp", sa.Float, nullable=False),
    sa.Column("event_id", sa.String(256), nullable=False),
    sa.Column("recommendation_id", sa.String(64)),
    sa.Column("impression", sa.Text),
    sa.Column("properties", sa.LargeBinary),
    sa.UniqueConstraint("dataset_group_arn", "event_id", name="uq_event"),
    sa.Index("ix_events_user", "dataset_group_arn", "user_id"),
)
records = sa.Table(
    "records", meta,
    sa.Column("dataset_arn", sa.String(512), primary_key=True),
    sa.Column("record_id", sa.String(256), primary_key=True),
    sa.Column("properties", sa.LargeBinary, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
)
