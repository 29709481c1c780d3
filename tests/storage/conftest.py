"""PostgreSQL databases of their own for the storage tests (the archive suite's fixtures)."""

from tests.archive.conftest import pg_databases, pg_server  # noqa: F401  (fixtures)
