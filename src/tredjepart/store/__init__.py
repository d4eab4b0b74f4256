"""The store: the only floor that opens and writes SQLite (schema and migrations, the batched writer, merging,
the views). Reports read through ``open_readonly``."""

from tredjepart.store.db import (TABLES, NotATredjepartDatabase, fallback_path, open_database, open_readonly,
                                read_key)
from tredjepart.store.writer import Op, Writer

__all__ = ["TABLES", "NotATredjepartDatabase", "Op", "Writer", "fallback_path", "open_database", "open_readonly",
           "read_key"]
