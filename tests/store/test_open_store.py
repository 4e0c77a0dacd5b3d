"""open_store picks the backend from the URL; a PostgreSQL URL without a driver works with the installed psycopg 3."""
from __future__ import annotations

import pytest

from tastemaker.store import open_store


def test_a_plain_postgresql_url_opens_with_psycopg3(postgres_database):
    plain = "postgresql://" + postgres_database.split("://", 1)[1]
    store = open_store(plain)
    try:
        store.insert("dataset_group", {"arn": "arn:x/g", "name": "g", "status": "ACTIVE", "creation_date_time": 1.0})
        assert store.get("dataset_group", "arn:x/g")["name"] == "g"
    finally:
        store.close()


def test_an_unknown_scheme_is_named():
    with pytest.raises(ValueError, match="Unsupported store URL 'mysql://x'"):
        open_store("mysql://x")
