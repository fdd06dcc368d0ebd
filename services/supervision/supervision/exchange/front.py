"""The provincial front database (前置库): any SQLAlchemy URL (MariaDB/MySQL through PyMySQL in the
tests and the local run). Its tables are the province's: they are read from the database itself
(reflected), and only the columns it has are written.

Rows are appended, never changed. Before a batch is written, the ``(DFSJZJ, version)`` pairs already
in the front database (of all the batch's tables, one read) are left out, inside the same front transaction: a push that
committed on the front side but died before the platform recorded it is not written twice when it
is repeated.
"""
import logging
from datetime import datetime
from itertools import groupby

from sqlalchemy import MetaData, Table, and_, create_engine, func, insert, literal, select, union_all

from supervision.exchange.facts import SHANGHAI

log = logging.getLogger(__name__)


class FrontDatabase:
    def __init__(self, url, mapping, pool_size=4):
        self.url = url
        self.common = mapping.common
        self.table_names = mapping.ranked_tables()
        # no ping before each use and no rollback when a connection is given back (a round trip each per
        # push; every use ends its transaction itself): a connection the server dropped fails one push,
        # which is rolled back on both sides, the pool is renewed and the next push goes through
        options = {"pool_pre_ping": False, "pool_reset_on_return": None}
        if not url.startswith("sqlite"):
            options.update(pool_size=pool_size, pool_recycle=1800)
        self.engine = create_engine(url, **options)
        self._tables = {}
        self._columns = {}

    def table(self, name):
        if name not in self._tables:
            self._tables[name] = Table(name, MetaData(), autoload_with=self.engine)
            self._columns[name] = frozenset(self._tables[name].columns.keys())
        return self._tables[name]

    def columns(self, name):
        self.table(name)
        return self._columns[name]

    def dispose(self):
        self.engine.dispose()

    # ------------------------------------------------------------------------------------ push
    def payload(self, row, now):
        """The front row of `row` (taken off the outbound queue) uploaded at `now`: its ready row with
        the upload time, only the columns the table has."""
        values = row["front"]
        values[self.common["uploaded_at"]] = now
        columns = self.columns(row["table_name"])
        if values.keys() <= columns:        # the usual case: every mapped column is the province's
            return values
        return {name: value for name, value in values.items() if name in columns}

    def write(self, rows):
        """Append `rows` (staged rows in dependency order) in one front transaction; answers how many
        were written (pairs already there are skipped)."""
        now = datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        key, version = self.common["key"], self.common["version"]
        groups = [(name, list(group)) for name, group in groupby(rows, key=lambda r: r["table_name"])]
        written = 0
        with self.engine.begin() as conn:
            # the pairs already there, of every table of the batch in one round trip; by key (the index's
            # first column), the versions compared here
            reads = [select(literal(name).label("t"), self.table(name).c[key].label("k"),
                            self.table(name).c[version].label("v"))
                     .where(self.table(name).c[key].in_({r["dfsjzj"] for r in group})) for name, group in groups]
            present = set(conn.execute(union_all(*reads) if len(reads) > 1 else reads[0]).all()) if reads else set()
            for name, group in groups:
                fresh = [self.payload(r, now) for r in group if (name, r["dfsjzj"], r["version"]) not in present]
                if fresh:
                    conn.execute(insert(self.table(name)), fresh)
                    written += len(fresh)
        return written

    # ------------------------------------------------------------------------------------ poll
    def rejected(self):
        """Every row the province rejected (SJSCZT = 2): table, LSH, DFSJZJ, version and reason."""
        c = self.common
        found = []
        with self.engine.connect() as conn:
            for name in self.table_names:
                table = self.table(name)
                for serial, local_key, version, reason in conn.execute(
                        select(table.c[c["serial"]], table.c[c["key"]], table.c[c["version"]], table.c[c["reason"]])
                        .where(table.c[c["status"]] == 2).order_by(table.c[c["serial"]])):
                    found.append({"table_name": name, "lsh": serial, "dfsjzj": local_key, "version": version,
                                  "reason": reason or ""})
        return found

    def accepted(self, pairs):
        """Of `pairs` ((table, DFSJZJ, version)), those a later version of which the province accepted
        (SJSCZT not 0 and not 2)."""
        c = self.common
        out = set()
        with self.engine.connect() as conn:
            for name, group in groupby(sorted(pairs), key=lambda p: p[0]):
                table = self.table(name)
                for _, local_key, version in group:
                    later = conn.execute(select(func.count()).select_from(table).where(and_(
                        table.c[c["key"]] == local_key, table.c[c["version"]] > version,
                        table.c[c["status"]].notin_([0, 2])))).scalar()
                    if later:
                        out.add((name, local_key, version))
        return out

    def counts(self):
        """Rows per table and upload status (for the status page)."""
        c = self.common
        out = {}
        with self.engine.connect() as conn:
            for name in self.table_names:
                table = self.table(name)
                out[name] = {str(status): n for status, n in conn.execute(
                    select(table.c[c["status"]], func.count()).group_by(table.c[c["status"]]))}
        return out
