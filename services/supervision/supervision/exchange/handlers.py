"""The exchange's use cases: stage what an event tells, push staged rows in dependency order, poll
the rejections back and act on them, and answer the operator's status, rejections and tasks."""
import logging
import uuid
from datetime import date

from platform_kit.db import utcnow
from platform_kit.errors import Conflict, NotFound
from supervision.domain import accountability as accountability_rules
from supervision.exchange import facts as rules
from supervision.exchange import rejections as verdicts
from supervision.exchange import store
from supervision.exchange.mapping import Mapping
from supervision.exchange.tables import rejections, tasks
from supervision.handlers import accountability

log = logging.getLogger(__name__)
CONSUMER = "exchange"


# ------------------------------------------------------------------------------------ staging
def stage_records(uow, mapping, records, cause):
    """Stage each record's row if it says something new; a new version of a parent sends again the
    children that waited for it. Answers the ids of the staged rows."""
    staged = []
    waiting = store.any_waiting(uow.session)
    for kind, record in records:
        row = mapping.row(kind, record)
        row_id = store.stage(uow.session, row, record, cause)
        if row_id is None:
            continue
        staged.append(row_id)
        for child in store.waiting_children(uow.session, row.table, row.key) if waiting else ():
            again = mapping.row(child["kind"], child["record"])
            child_id = store.stage(uow.session, again, child["record"], f"after parent:{row.table}", force=True)
            store.set_outcome(uow.session, child["rejection_id"], "resent", child_id)
            staged.append(child_id)
    return staged


def record_event(uow, envelope, mapping):
    """Remember and stage what `envelope` tells the province, once per event."""
    if envelope.type not in rules.EVENTS or not uow.first_time(envelope, f"{CONSUMER}.{envelope.type}"):
        return []
    if envelope.type in ("declaration.submitted", "stage.opened"):
        store.serialize(uow.session, envelope.payload["declaration_id"])
    known = store.Known(uow.session)
    remembered, records = rules.derive(envelope, known)
    for kind, key, data in remembered:
        known.put(kind, key, data)
    return stage_records(uow, mapping, records, f"{envelope.type}:{envelope.event_id}")


def sync_catalog(uow, mapping, catalog):
    """The flows, stages and stage items of a published catalog (first connection, every new version)."""
    records, summary = rules.catalog_records(catalog)
    known = store.Known(uow.session)
    if (known(*rules.CATALOG) or {}).get("version") == catalog["version"] and store.latest(
            uow.session, mapping.table_of("flow"), f"{catalog['categories'][0]['code']}:{catalog['version']}"):
        return []
    known.put(*rules.CATALOG, summary)
    store.remember_mapping(uow.session, mapping)
    return stage_records(uow, mapping, records, f"catalog:{catalog['version']}")


# ------------------------------------------------------------------------------------ push
def push(db, front, batch=2000, settle_seconds=1.0, orphan_seconds=300):
    """Send the oldest pending rows (dependency order, a child never before its parent) to the front
    database; answers how many. One replica pushes at a time; the rows are taken off the outbound queue
    (with the lock and the run's record, one statement on PostgreSQL) in a transaction that commits only
    after the front transaction did."""
    with db.unit_of_work() as uow:
        pending = store.take_pending(uow.session, batch, settle_seconds, orphan_seconds)
        if pending:
            front.write(pending)
        return len(pending)


# ------------------------------------------------------------------------------------ poll
def poll(db, front, today=None):
    """Read the rejected rows back, record each once and act on it; close the tasks whose corrected
    row the province accepted. Answers the number of new rejections."""
    found = front.rejected()
    with db.unit_of_work() as uow:
        if not store.claim(uow.session, "poll"):
            return 0
        seen = store.known_rejections(uow.session)
        fresh = [f for f in found if (f["table_name"], f["lsh"]) not in seen]
        for rejection in fresh:
            act_on(uow, rejection, today or date.today())
        release_waiting(uow)
        opened = store.open_tasks(uow.session)
        accepted = front.accepted({(t["table_name"], t["dfsjzj"], t["version"]) for t in opened}) if opened else set()
        for task in opened:
            if (task["table_name"], task["dfsjzj"], task["version"]) in accepted:
                store.resolve_task(uow.session, task["task_id"], "更正后的数据已被省级平台接收")
        store.ran(uow.session, "poll", len(fresh))
        return len(fresh)


def release_waiting(uow):
    """Send again each row that waited for a parent which is now sent again (parents first)."""
    session = uow.session
    mapping = Mapping.load()
    for child in store.waiting(session):
        if not store.parent_blocked(session, child["parent_table"], child["parent_key"]):
            again = mapping.row(child["kind"], child["record"])
            store.set_outcome(session, child["rejection_id"], "resent",
                              store.stage(session, again, child["record"], "after parent", force=True))


def act_on(uow, found, today):
    session = uow.session
    mapping = Mapping.load()
    row = store.row_version(session, found["table_name"], found["dfsjzj"], found["version"])
    verdict = verdicts.classify(found["reason"], store.self_fixes(session, found["table_name"], found["dfsjzj"]))
    group = verdicts.reason_group(found["reason"])
    if row is None:     # not a row of ours (or from before this platform): a person looks at it
        verdict = verdicts.Verdict(verdicts.PERSON, False)
    if verdict.self_fix and verdict.kind == verdicts.MISSING_PARENT and row["parent_table"]:
        if store.parent_blocked(session, row["parent_table"], row["parent_key"]):
            store.add_rejection(session, found, verdict.kind, "waiting", group)
            return
        rejection_id = store.add_rejection(session, found, verdict.kind, "resent", group)
        again = mapping.row(row["kind"], row["record"])
        store.set_outcome(session, rejection_id, "resent",
                          store.stage(session, again, row["record"], "after rejection", force=True))
        return
    if verdict.self_fix and verdict.kind == verdicts.STALE_CODE:
        again = mapping.row(row["kind"], row["record"])
        if again.digest != row["digest"]:
            rejection_id = store.add_rejection(session, found, verdict.kind, "resent", group)
            store.set_outcome(session, rejection_id, "resent",
                              store.stage(session, again, row["record"], f"mapping v{mapping.version}"))
            return
    rejection_id = store.add_rejection(session, found, verdict.kind, "task", group)
    open_task(uow, found, row, rejection_id, today)


def open_task(uow, found, row, rejection_id, today):
    record = (row or {}).get("record") or {}
    kind = (row or {}).get("kind", "")
    department = verdicts.responsible_department(kind, record)
    project_code = record.get("project_code")
    finding = accountability_rules.Finding(
        key=f"exchange_rejected:{found['table_name']}:{found['lsh']}", ground=accountability_rules.DATA_QUALITY,
        fact="exchange_rejected", department=department, region=(row or {}).get("division") or None,
        occurred_on=today, project_code=project_code, case_id=record.get("case_id"),
        summary=f"上传省级平台的 {found['table_name']} 数据（{found['dfsjzj']} 第 {found['version']} 版）被退回："
                f"{found['reason']}",
        evidence={"table": found["table_name"], "lsh": found["lsh"], "dfsjzj": found["dfsjzj"],
                  "version": found["version"], "reason": found["reason"]})
    made = accountability.record(uow, finding)
    store.add_task(uow.session, task_id=str(uuid.uuid4()), rejection_id=rejection_id, table_name=found["table_name"],
                   dfsjzj=found["dfsjzj"], version=found["version"], reason=found["reason"], department=department,
                   project_code=project_code, case_id=record.get("case_id"),
                   accountability_record_id=made.record_id if made is not None else None)


# ------------------------------------------------------------------------------------ reading
def status(uow, poll_seconds, front_counts=None):
    now = utcnow()
    backlog = store.backlog(uow.session)
    sent = store.sent_counts(uow.session)
    runs = store.last_runs(uow.session)
    oldest = min((b["oldest"] for b in backlog.values()), default=None)
    open_count = len(store.open_tasks(uow.session))
    tables = sorted(set(backlog) | set(sent) | set(front_counts or {}))
    return {
        "tables": [{"table": name, "backlog": backlog.get(name, {}).get("rows", 0), "sent": sent.get(name, 0),
                    "front": (front_counts or {}).get(name, {})} for name in tables],
        "backlog": sum(b["rows"] for b in backlog.values()),
        "oldest_unsent_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        "rejections_by_reason": store.rejections_by_reason(uow.session),
        "last_push_at": (runs.get("push") or {}).get("at"), "last_poll_at": (runs.get("poll") or {}).get("at"),
        "poll_seconds": poll_seconds, "open_tasks": open_count, "mapping_version": Mapping.load().version,
    }


def poll_overdue(uow, started_at, limit_seconds=300):
    """True when no poll has run for `limit_seconds` (counted from this process's start at first)."""
    last = (store.last_runs(uow.session).get("poll") or {}).get("at") or started_at
    return (utcnow() - last).total_seconds() > limit_seconds


def list_rejections(uow, filters):
    total, found = store.page(uow.session, rejections, {"table_name": filters.get("table"),
                                                        "outcome": filters.get("outcome")},
                              (rejections.c.id.desc(),), filters["limit"], filters["offset"])
    return {"items": [dict(r) for r in found], "total": total, "limit": filters["limit"], "offset": filters["offset"]}


def list_tasks(uow, filters):
    total, found = store.page(uow.session, tasks, {"state": filters.get("state")},
                              (tasks.c.opened_at.desc(),), filters["limit"], filters["offset"])
    return {"items": [dict(r) for r in found], "total": total, "limit": filters["limit"], "offset": filters["offset"]}


def resolve_task(uow, task_id, resolution, identity):
    found = uow.session.execute(
        tasks.select().where(tasks.c.task_id == task_id).with_for_update()).mappings().first()
    if found is None:
        raise NotFound("没有这个上报任务")
    if found["state"] != "open":
        raise Conflict("该任务已处理")
    store.resolve_task(uow.session, task_id, f"{identity.sub}：{resolution}")
    return dict(uow.session.execute(tasks.select().where(tasks.c.task_id == task_id)).mappings().first())


def observed(engine, config=None):
    """What ``GET /exchange/status`` tells, as Prometheus gauges read at scrape time:
    ``platform_exchange_last_poll_timestamp_seconds``, ``platform_exchange_last_push_timestamp_seconds``
    (Unix time of the last poll and push of any replica, 0 before the first) and
    ``platform_exchange_backlog{table}`` (rows waiting to be pushed, 0 for every table of the mapping)."""
    from prometheus_client.core import GaugeMetricFamily
    with engine.connect() as conn:
        backlog = store.backlog(conn)
        runs = store.last_runs(conn)
    families = []
    for kind in ("poll", "push"):
        at = (runs.get(kind) or {}).get("at")
        family = GaugeMetricFamily(f"platform_exchange_last_{kind}_timestamp_seconds",
                                   f"When the exchange's last {kind} ran (Unix time, 0: never)")
        family.add_metric([], at.timestamp() if at is not None else 0.0)
        families.append(family)
    waiting = GaugeMetricFamily("platform_exchange_backlog", "Rows staged for the province and not pushed yet",
                                labels=["table"])
    for table in sorted(set(Mapping.load().ranked_tables()) | set(backlog)):
        waiting.add_metric([table], backlog.get(table, {}).get("rows", 0))
    families.append(waiting)
    return families
