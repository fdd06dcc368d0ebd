"""The exchange's tables (``supervision.exchange.tables``) as repository functions on a session."""
from datetime import timedelta

from sqlalchemy import and_, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from platform_kit.db import utcnow
from supervision.exchange.tables import facts, mappings, rejections, rows, runs, tasks

LOCKS = {"push": 741_001, "poll": 741_002, "catalog": 741_003}


def claim(session, name):
    """True when this transaction holds the exchange's `name` lock (one pusher, one poller at a time
    across replicas; released at commit). SQLite: one process, always true."""
    if session.bind.dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCKS[name]}).scalar())


def serialize(session, key):
    """Transactions about the same `key` (a declaration and the stage it opened, heard on two queues)
    run one after the other, so the later one sees what the earlier remembered."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"exchange:{key}"})


# ------------------------------------------------------------------------------------ facts
class Known:
    """``known(kind, key)``: the facts of this transaction, read once each."""

    def __init__(self, session):
        self.session = session
        self.cache = {}

    def __call__(self, kind, key):
        if (kind, key) not in self.cache:
            self.cache[(kind, key)] = self.session.execute(select(facts.c.data).where(
                facts.c.kind == kind, facts.c.key == str(key))).scalar()
        return self.cache[(kind, key)]

    def put(self, kind, key, data):
        key = str(key)
        exists = self.session.execute(select(facts.c.kind).where(facts.c.kind == kind, facts.c.key == key)
                                      .with_for_update()).first()
        if exists:
            self.session.execute(update(facts).where(facts.c.kind == kind, facts.c.key == key)
                                 .values(data=data, updated_at=utcnow()))
        else:
            with self.session.begin_nested():
                self.session.execute(insert(facts).values(kind=kind, key=key, data=data, updated_at=utcnow()))
        self.cache[(kind, key)] = data


# ------------------------------------------------------------------------------------ rows
def latest(session, table_name, key):
    return session.execute(select(rows).where(rows.c.table_name == table_name, rows.c.dfsjzj == key)
                           .order_by(rows.c.version.desc()).limit(1)).mappings().first()


def stage(session, row, record, cause, force=False):
    """Stage `row` (a :class:`mapping.Row`) as the next version of its key unless the latest version
    says the same (or `force`). Answers the new row's id, or None."""
    last = latest(session, row.table, row.key)
    if last is not None and last["digest"] == row.digest and not force:
        return None
    values = dict(table_name=row.table, kind=row.kind, dfsjzj=row.key, version=(last["version"] if last else 0) + 1,
                  rank=row.rank, columns=row.columns, record=record, division=row.division, valid=row.valid,
                  invalid_reason=row.invalid_reason, digest=row.digest,
                  parent_table=row.parent[0] if row.parent else None,
                  parent_key=row.parent[1] if row.parent else None, mapping_version=row.mapping_version,
                  cause=cause[:120], staged_at=utcnow())
    return session.execute(insert(rows).values(**values).returning(rows.c.id)).scalar()


def waiting_children(session, table_name, key):
    """Rejections waiting for the parent (`table_name`, `key`) to be sent again, with their rows."""
    return session.execute(select(rejections.c.id.label("rejection_id"), rows).select_from(
        rejections.join(rows, and_(rows.c.table_name == rejections.c.table_name,
                                   rows.c.dfsjzj == rejections.c.dfsjzj, rows.c.version == rejections.c.version)))
        .where(rejections.c.outcome == "waiting", rows.c.parent_table == table_name,
               rows.c.parent_key == key)).mappings().all()


def any_waiting(session):
    return session.execute(select(rejections.c.id).where(rejections.c.outcome == "waiting").limit(1)).first() \
        is not None


def waiting(session):
    """Every rejection still waiting for its parent, with its row."""
    return session.execute(select(rejections.c.id.label("rejection_id"), rows).select_from(
        rejections.join(rows, and_(rows.c.table_name == rejections.c.table_name,
                                   rows.c.dfsjzj == rejections.c.dfsjzj, rows.c.version == rejections.c.version)))
        .where(rejections.c.outcome == "waiting").order_by(rows.c.rank, rows.c.id)).mappings().all()


# what the front database is written from (not the source record, kept for the poll's fixes)
SENT = (rows.c.id, rows.c.rank, rows.c.table_name, rows.c.dfsjzj, rows.c.version, rows.c.columns, rows.c.division,
        rows.c.valid, rows.c.invalid_reason, rows.c.staged_at)


def take_pending(session, limit, settle_seconds):
    """The oldest unsent rows (dependency order), marked sent in one statement: the mark holds only if
    this transaction commits, which it does after the front transaction did. Rows another replica
    holds are skipped."""
    before = utcnow() - timedelta(seconds=settle_seconds)
    chosen = (select(rows.c.id).where(rows.c.sent_at.is_(None), rows.c.staged_at <= before)
              .order_by(rows.c.rank, rows.c.id).limit(limit).with_for_update(skip_locked=True))
    taken = session.execute(update(rows).where(rows.c.id.in_(chosen)).values(sent_at=utcnow())
                            .returning(*SENT)).mappings().all()
    return sorted(taken, key=lambda r: (r["rank"], r["id"]))


def ran(session, kind, count):
    with session.begin_nested():
        done = session.execute(update(runs).where(runs.c.kind == kind).values(last_at=utcnow(), rows=count))
        if not done.rowcount:
            session.execute(insert(runs).values(kind=kind, last_at=utcnow(), rows=count))


def last_runs(session):
    return {r.kind: {"at": r.last_at, "rows": r.rows} for r in session.execute(select(runs))}


def remember_mapping(session, mapping):
    if session.execute(select(mappings.c.version).where(mappings.c.version == mapping.version)).first():
        return
    try:
        with session.begin_nested():
            session.execute(insert(mappings).values(version=mapping.version, body=mapping.body, loaded_at=utcnow()))
    except IntegrityError:
        pass


# ------------------------------------------------------------------------------------ rejections and tasks
def known_rejections(session):
    return set(session.execute(select(rejections.c.table_name, rejections.c.lsh)).all())


def self_fixes(session, table_name, key):
    return session.execute(select(func.count()).select_from(rejections).where(
        rejections.c.table_name == table_name, rejections.c.dfsjzj == key,
        rejections.c.outcome.in_(("resent", "waiting")))).scalar()


def row_version(session, table_name, key, version):
    return session.execute(select(rows).where(rows.c.table_name == table_name, rows.c.dfsjzj == key,
                                              rows.c.version == version)).mappings().first()


def parent_blocked(session, table_name, key):
    """True when the latest version of the parent row was rejected and waits for a person or its parent."""
    last = latest(session, table_name, key)
    if last is None:
        return True
    return bool(session.execute(select(rejections.c.id).where(
        rejections.c.table_name == table_name, rejections.c.dfsjzj == key,
        rejections.c.version == last["version"], rejections.c.outcome.in_(("task", "waiting")))).first())


def add_rejection(session, found, kind, outcome, group):
    return session.execute(insert(rejections).values(
        table_name=found["table_name"], lsh=found["lsh"], dfsjzj=found["dfsjzj"], version=found["version"],
        reason=found["reason"], reason_group=group, kind=kind, outcome=outcome, recorded_at=utcnow())
        .returning(rejections.c.id)).scalar()


def set_outcome(session, rejection_id, outcome, resent_row_id=None):
    session.execute(update(rejections).where(rejections.c.id == rejection_id)
                    .values(outcome=outcome, resent_row_id=resent_row_id))


def add_task(session, **values):
    session.execute(insert(tasks).values(state="open", opened_at=utcnow(), **values))


def open_tasks(session):
    return session.execute(select(tasks).where(tasks.c.state == "open")).mappings().all()


def resolve_task(session, task_id, resolution):
    session.execute(update(tasks).where(tasks.c.task_id == task_id, tasks.c.state == "open")
                    .values(state="resolved", resolved_at=utcnow(), resolution=resolution))


# ------------------------------------------------------------------------------------ reading
def backlog(session):
    return {name: {"rows": n, "oldest": oldest} for name, n, oldest in session.execute(
        select(rows.c.table_name, func.count(), func.min(rows.c.staged_at)).where(rows.c.sent_at.is_(None))
        .group_by(rows.c.table_name))}


def sent_counts(session):
    return dict(session.execute(select(rows.c.table_name, func.count()).where(rows.c.sent_at.is_not(None))
                                .group_by(rows.c.table_name)).all())


def rejections_by_reason(session):
    return [{"reason": group, "kind": kind, "count": n} for group, kind, n in session.execute(
        select(rejections.c.reason_group, rejections.c.kind, func.count())
        .group_by(rejections.c.reason_group, rejections.c.kind).order_by(func.count().desc()))]


def page(session, table, filters, order, limit, offset):
    query = select(table)
    for column, value in filters.items():
        if value is not None:
            query = query.where(table.c[column] == value)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    return total, session.execute(query.order_by(*order).limit(limit).offset(offset)).mappings().all()
