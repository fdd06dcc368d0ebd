"""The exchange's tables (``supervision.exchange.tables``) as repository functions on a session."""
from datetime import timedelta

from sqlalchemy import and_, delete, func, insert, literal, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from platform_kit.db import utcnow
from supervision.exchange.facts import local_time
from supervision.exchange.tables import facts, mappings, outbound, rejections, rows, runs, tasks

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
    says the same (or `force`), and queue its front-database row ready to write (all but the upload
    time), so a push only copies it. Answers the new row's id, or None."""
    last = latest(session, row.table, row.key)
    if last is not None and last["digest"] == row.digest and not force:
        return None
    version, staged_at = (last["version"] if last else 0) + 1, utcnow()
    parent_table, parent_key = row.parent or (None, None)
    values = dict(table_name=row.table, kind=row.kind, dfsjzj=row.key, version=version, rank=row.rank,
                  columns=row.columns, record=record, division=row.division, valid=row.valid,
                  invalid_reason=row.invalid_reason, digest=row.digest, parent_table=parent_table,
                  parent_key=parent_key, mapping_version=row.mapping_version, cause=cause[:120], staged_at=staged_at)
    queued = dict(rank=row.rank, table_name=row.table, dfsjzj=row.key, version=version, parent_table=parent_table,
                  parent_key=parent_key, front=row.front(version, local_time(staged_at)), staged_at=staged_at)
    if session.bind.dialect.name == "postgresql":      # both in one statement (one round trip)
        staged = insert(rows).values(**values).returning(rows.c.id).cte("staged")
        return session.execute(insert(outbound).from_select(
            ["row_id", *queued], select(staged.c.id, *(literal(v, outbound.c[k].type) for k, v in queued.items())))
            .returning(outbound.c.row_id)).scalar()
    row_id = session.execute(insert(rows).values(**values).returning(rows.c.id)).scalar()
    session.execute(insert(outbound).values(row_id=row_id, **queued))
    return row_id


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


def take_pending(session, limit, settle_seconds, orphan_seconds=300):
    """The push's batch: the oldest unsent rows (dependency order) with their ready front rows, taken
    off the outbound queue by this replica if it holds the push lock (one pusher at a time), and the
    run recorded. The deletion holds only if this transaction commits, which it does after the front
    transaction did. A row goes only once a version of its parent row went or goes in this batch
    (staged and settled, so of a lower rank and taken first): the province never sees a child before
    its parent. A row whose parent the platform never staged goes after `orphan_seconds` anyway (the
    province then says what is missing). On PostgreSQL lock, batch and record are one statement (one
    round trip); elsewhere three."""
    now = utcnow()
    before = now - timedelta(seconds=settle_seconds)
    parent_since = (select(func.min(rows.c.staged_at)).where(rows.c.table_name == outbound.c.parent_table,
                                                            rows.c.dfsjzj == outbound.c.parent_key)
                    .scalar_subquery())     # one probe of the unique index per candidate
    ready = [outbound.c.staged_at <= before,
             or_(outbound.c.parent_table.is_(None), outbound.c.staged_at <= now - timedelta(seconds=orphan_seconds),
                 parent_since <= before)]
    columns = (outbound.c.row_id, outbound.c.rank, outbound.c.table_name, outbound.c.dfsjzj, outbound.c.version,
               outbound.c.front)

    def chosen(*held):
        return (select(outbound.c.row_id).where(*held, *ready).order_by(outbound.c.rank, outbound.c.row_id)
                .limit(limit).with_for_update(skip_locked=True))
    if session.bind.dialect.name == "postgresql":
        lock = select(func.pg_try_advisory_xact_lock(LOCKS["push"]).label("held")).cte("push_lock")
        held = select(lock.c.held).scalar_subquery()
        taken = delete(outbound).where(outbound.c.row_id.in_(chosen(held))).returning(*columns).cte("taken")
        record = postgresql.insert(runs).from_select(
            ["kind", "last_at", "rows"], select(literal("push"), literal(now, runs.c.last_at.type), func.count())
            .select_from(taken).having(held))
        record = record.on_conflict_do_update(index_elements=[runs.c.kind], set_={
            "last_at": record.excluded.last_at, "rows": record.excluded.rows}).cte("push_run")
        found = session.execute(select(taken).add_cte(record)).mappings().all()
    else:
        if not claim(session, "push"):
            return []
        found = session.execute(delete(outbound).where(outbound.c.row_id.in_(chosen())).returning(*columns)
                                ).mappings().all()
        ran(session, "push", len(found))
    return sorted(found, key=lambda r: (r["rank"], r["row_id"]))


def ran(session, kind, count):
    """The last `kind` run (one statement: insert or update)."""
    values = dict(kind=kind, last_at=utcnow(), rows=count)
    if session.bind.dialect.name == "postgresql":
        statement = postgresql.insert(runs).values(**values)
    else:
        statement = sqlite.insert(runs).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=[runs.c.kind],
                                                    set_=dict(last_at=values["last_at"], rows=count)))


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
        select(outbound.c.table_name, func.count(), func.min(outbound.c.staged_at)).group_by(outbound.c.table_name))}


def sent_counts(session):
    """Row versions sent per table (staged ones not waiting in the outbound queue)."""
    staged = dict(session.execute(select(rows.c.table_name, func.count()).group_by(rows.c.table_name)).all())
    waiting = {name: b["rows"] for name, b in backlog(session).items()}
    return {name: n - waiting.get(name, 0) for name, n in staged.items()}


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
