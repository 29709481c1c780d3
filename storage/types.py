"""Column types shared by the tables of every package."""

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """An aware UTC datetime, stored naive in UTC (SQLite keeps no offset)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[dt.datetime], dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} stored; pass an aware one")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[dt.datetime], dialect: Any) -> Any:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


#: The metadata of every Core table (``storage.accounts``, ``livechat.tables``), so that
#: their foreign keys resolve; the schema itself is the migrations'.
metadata = sa.MetaData()
