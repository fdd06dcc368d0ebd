"""The read model rebuilt from the event log of record (``python -m supervision.rebuild``) on PostgreSQL:
clocks wiped or changed by hand come back as the events say, events missing from supervision are
taken from the publisher's outbox, a second run changes nothing, and a dry run writes nothing."""
import copy
import io
import uuid

from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.orm import sessionmaker

from platform_kit.contracts import parse_event
from platform_kit.db import UnitOfWork, service_metadata, utcnow
from supervision import rebuild
from supervision.adapters.orm import CaseClockRow, ProjectRow, StageClockRow, TimelineEntryRow, metadata
from supervision.handlers import record_event
from test_supervision_projection import PROJECT, envelopes

OTHER = "2026-410800-48-01-000010"


def flows():
    """Two projects' stage-1 clocks: the projection test's flow, and the same flow of another project."""
    first = envelopes()
    ids = {"s1": str(uuid.uuid4()), "c1": str(uuid.uuid4())}
    second = []
    for envelope in first:
        body = copy.deepcopy(envelope.to_wire())
        body.update(event_id=str(uuid.uuid4()), project_code=OTHER)
        p = body["payload"]
        for key in ("stage_id", "case_id"):
            if key in p:
                p[key] = ids[p[key]]
        for entry in p.get("cases") or []:
            entry["case_id"] = ids[entry["case_id"]]
        second.append(parse_event(body))
    return first, second


def record(sessions, events):
    """Recorded as the service records them: as they come off the wire."""
    for envelope in events:
        envelope = parse_event(envelope.to_wire())
        session = sessions()
        with session.begin():
            record_event(envelope, UnitOfWork(session, metadata), rebuild.consumer_of(envelope.type))
        session.close()


def snapshot(sessions):
    session = sessions()
    try:
        rows = {}
        for model in (ProjectRow, StageClockRow, CaseClockRow):
            for row in session.execute(select(model)).scalars():
                key = (model.__tablename__, row.project_code, getattr(row, model.__mapper__.primary_key[0].name))
                rows[key] = {c.name: getattr(row, c.key) for c in model.__table__.columns if c.name != "updated_at"}
        return rows
    finally:
        session.close()


def outbox_of(postgres, events):
    """A publisher's database whose outbox holds `events` as it published them."""
    url = postgres.fresh("stage")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(service_metadata().tables["outbox"]), [
            {"event_id": e.event_id, "event_type": e.type, "source": e.source, "body": e.to_wire(),
             "created_at": utcnow(), "published_at": utcnow(), "attempts": 1} for e in events])
    engine.dispose()
    return url


def test_rebuild_restores_wiped_and_changed_clocks_and_adds_missing_events(postgres):
    url = postgres.fresh("supervision")
    engine = create_engine(url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    first, second = flows()
    record(sessions, first + second)
    expected = snapshot(sessions)
    assert {key[1] for key in expected} == {PROJECT, OTHER}

    # the read model diverges: one project's case clock is gone, the other's stage says open again,
    # and the last two events of the second project never reached supervision
    with engine.begin() as conn:
        conn.execute(CaseClockRow.__table__.delete().where(CaseClockRow.project_code == PROJECT))
        conn.execute(update(StageClockRow).where(StageClockRow.project_code == OTHER)
                     .values(state="open", concluded_on=None))
        conn.execute(TimelineEntryRow.__table__.delete().where(
            TimelineEntryRow.event_id.in_([e.event_id for e in second[-2:]])))
        processed = metadata.tables["processed_events"]
        conn.execute(processed.delete().where(processed.c.event_id.in_([e.event_id for e in second[-2:]])))
    assert snapshot(sessions) != expected

    source = outbox_of(postgres, first + second)
    dry = rebuild.rebuild(url, sources=[("stage", source)], dry_run=True, out=io.StringIO())
    assert dry["added"] == 2 and set(dry["differed"]) == {PROJECT, OTHER}
    assert snapshot(sessions) != expected    # a dry run writes nothing

    out = io.StringIO()
    report = rebuild.rebuild(url, sources=[("stage", source)], out=out)
    assert report["added"] == 2 and report["projects"] == 2
    assert snapshot(sessions) == expected
    assert "2 projects rebuilt" in out.getvalue()
    with engine.connect() as conn:
        timeline = conn.execute(select(TimelineEntryRow.event_id).where(TimelineEntryRow.project_code == OTHER)).all()
    assert len(timeline) == len(second)

    again = rebuild.rebuild(url, sources=[("stage", source)], out=io.StringIO())
    assert again["added"] == 0 and again["differed"] == {}
    assert snapshot(sessions) == expected

    # one project only, from the command line
    with engine.begin() as conn:
        conn.execute(update(CaseClockRow).where(CaseClockRow.project_code == OTHER).values(state="accepted"))
    assert rebuild.main(["--database", url, "--project", OTHER]) == 0
    assert snapshot(sessions) == expected
    engine.dispose()

