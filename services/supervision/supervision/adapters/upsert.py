"""``INSERT … ON CONFLICT`` for the service's backends (PostgreSQL; SQLite in unit tests).

SQLAlchemy keeps no compiled form of its dialects' ``INSERT … ON CONFLICT`` constructs: each
execution compiles the statement again. The statements run for every event on PostgreSQL are
therefore written as SQL text (:func:`sql`), which is compiled once per process and then found in
the statement cache.
"""
import functools

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(session, table):
    """The dialect's insert of `table` (a Table or a mapped class), with ``on_conflict_do_*``."""
    return (postgresql.insert if on_postgres(session) else sqlite.insert)(table)


def on_postgres(session):
    return session.get_bind().dialect.name == "postgresql"


def sql(statement, json=()):
    """A text statement; the parameters named in `json` are serialised as JSON (cast in the SQL)."""
    return text(statement).bindparams(*(bindparam(name, type_=JSON) for name in json))


@functools.lru_cache(maxsize=64)
def values_rows(columns, rows):
    """``(:c_0, :d_0), (:c_1, :d_1), …``: the VALUES of `rows` rows of `columns`, named by row."""
    return ", ".join("(" + ", ".join(f":{c}_{n}" for c in columns) + ")" for n in range(rows))


def row_parameters(columns, rows):
    """The parameters of :func:`values_rows` for `rows` (dicts by column)."""
    return {f"{c}_{n}": row[c] for n, row in enumerate(rows) for c in columns}
