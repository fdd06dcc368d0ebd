"""What every intake repository shares: rows mapped to the records of :mod:`intake.domain.model` and
back, an insert that ignores a taken key, counting a query."""
from dataclasses import fields

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from platform_kit.db import insert_ignoring_conflict


# ------------------------------------------------------------------------------- mapping
def to_record(row, cls, **extra):
    """The record of a row (the fields both have), `extra` overriding."""
    if row is None:
        return None
    return cls(**{f.name: extra[f.name] if f.name in extra else getattr(row, f.name)
                  for f in fields(cls) if f.name in extra or hasattr(row, f.name)})


def to_row(record, row_cls, **extra):
    columns = row_cls.__table__.columns.keys()
    values = {f.name: getattr(record, f.name) for f in fields(record) if f.name in columns}
    return row_cls(**{k: v for k, v in {**values, **extra}.items() if v is not None})


def refresh(record, row):
    """Copy what the database filled in (defaults, generated ids) back into the record: its columns
    only (a relationship of the row is not loaded for it)."""
    columns = row.__table__.columns
    for f in fields(record):
        if f.name in columns and not isinstance(getattr(record, f.name), list):
            setattr(record, f.name, getattr(row, f.name))
    return record


class Repository:
    def __init__(self, session):
        self.session = session

    def _insert_ignoring_conflict(self, table, values):
        """INSERT that does nothing when the key exists; True when it inserted."""
        return insert_ignoring_conflict(self.session, table, values).rowcount == 1

    def _add(self, record, row_cls, **extra):
        """Insert a record; False (and nothing stored) when a unique key is already taken."""
        row = to_row(record, row_cls, **extra)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            return False
        refresh(record, row)
        return True

    def _count(self, query):
        return self.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
