"""The pages run on the live chat's site: its fixtures (a running site, clerks, citizens)."""

from tests.livechat.conftest import (  # noqa: F401  (fixtures)
    db_url,
    pg_url,
    schedule_file,
    site,
    stack,
    stack_store,
    store,
)
