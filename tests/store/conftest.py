"""Store backends for the contract suite: SQLite always, PostgreSQL when its binaries are installed
(tests/conftest.py starts it)."""
from __future__ import annotations

import pytest

from tastemaker.store import open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        st = open_store(f"sqlite:///{tmp_path / 'store.db'}")
        yield st
        st.close()
        return
    st = open_store(request.getfixturevalue("postgres_database"))
    yield st
    st.close()
