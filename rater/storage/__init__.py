"""Persistence: the schema, opening databases, migrations, the audit trail."""

from rater.storage.database import Database, DatabaseError, open_database, to_url

__all__ = ["Database", "DatabaseError", "open_database", "to_url"]
