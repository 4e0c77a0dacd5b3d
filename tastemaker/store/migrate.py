"""Bring an existing database up to the current tables: additive changes (new columns, indexes) through Alembic."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations

log = logging.getLogger(__name__)


def upgrade(engine: sa.Engine, meta: sa.MetaData) -> list[str]:
    """Create missing tables, then add the columns and indexes that `meta` has and the database lacks (a data
    folder written by an older Tastemaker keeps working). Returns what was added; nothing is ever dropped."""
    meta.create_all(engine)
    added: list[str] = []
    with engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn))
        for diff in _flatten(compare_metadata(ops.migration_context, meta)):
            if diff[0] == "add_column":
                _, schema, table, column = diff
                column = column._copy()
                column.index = None  # its index comes as an add_index of its own
                ops.add_column(table, column, schema=schema)
                added.append(f"{table}.{column.name}")
            elif diff[0] == "add_index":
                index = diff[1]
                ops.create_index(index.name, index.table.name, [c.name for c in index.columns], unique=index.unique)
                added.append(f"index {index.name}")
    if added:
        log.info("store upgraded: added %s", ", ".join(added))
    return added


def _flatten(diffs: list) -> list[tuple]:
    out = []
    for diff in diffs:
        out.extend(diff if isinstance(diff, list) else [diff])
    return out
