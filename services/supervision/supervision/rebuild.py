"""Rebuilding supervision's read model of projects and clocks from the event log of record.

``python -m supervision.rebuild [--project CODE ...] [--events-from SERVICE=URL ...] [--dry-run]``

1. ``--events-from stage=postgresql://…/approval_stage`` (repeatable; read only): every event in that
   publisher's outbox, the record of every event it committed, that supervision has not recorded yet
   (one dead-lettered and never replayed, say) is recorded now exactly as its handler records it:
   timeline, clocks, inbox and statistics, once per event id (a redelivery later changes nothing).
2. The projects, stage clocks and case clocks of the chosen projects (``--project``, repeatable; all
   projects by default) are computed again from their timeline: the rows are deleted and every
   recorded event of the project is observed again, in one transaction per project. Events observed
   while this runs wait for the project's rows and then apply to the rebuilt ones.
3. It prints what it did: events added, projects rebuilt, and the rows that differed from the rebuilt
   ones. ``--dry-run`` does all of it and rolls back, to see what would change.

The database is ``--database`` or ``SUPERVISION_DATABASE_URL`` (as the service's config).
"""
import argparse
import json
import os
import sys

from sqlalchemy import create_engine, delete, select
from sqlalchemy.orm import sessionmaker

from platform_kit.contracts import parse_event
from platform_kit.db import UnitOfWork
from platform_kit.errors import ValidationFailed
from supervision.adapters.orm import CaseClockRow, ProjectRow, StageClockRow, TimelineEntryRow, metadata
from supervision.handlers import notifying, statistics
from supervision.handlers.projecting import projection_for, record_event

READ_MODEL = (ProjectRow, StageClockRow, CaseClockRow)
NOT_RECORDED = frozenset({"notification.requested"})   # delivered by e-mail, not a step of a project
IGNORED = frozenset({"updated_at"})                   # when a row was last written, not what it says


def consumer_of(event_type):
    """The consumer name the live handler records an event under (SupervisionService._record)."""
    return f"supervision.{event_type}"


# ------------------------------------------------------------------------------------ 1. missing events
def outbox_events(url, project_codes=None):
    """The events of a publisher's outbox (bodies as published), oldest first, optionally of some projects."""
    engine = create_engine(url)
    try:
        outbox = service_outbox(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars().all()
    finally:
        engine.dispose()
    for body in rows:
        body = json.loads(body) if isinstance(body, str) else body
        if body.get("type") in NOT_RECORDED:
            continue
        if project_codes and body.get("project_code") not in project_codes:
            continue
        yield body


def service_outbox(engine):
    from sqlalchemy import MetaData, Table
    return Table("outbox", MetaData(), autoload_with=engine)


def record_missing(sessions, bodies):
    """Record every event of `bodies` not recorded yet, as the live handler would. Returns (added, invalid)."""
    added = invalid = 0
    for body in bodies:
        try:
            envelope = parse_event(body)
        except ValidationFailed as exc:
            invalid += 1
            print(f"skipped an invalid event {body.get('event_id')}: {exc.detail}", file=sys.stderr)
            continue
        session = sessions()
        try:
            with session.begin():
                uow = UnitOfWork(session, metadata)
                if record_event(envelope, uow, consumer_of(envelope.type)):
                    notifying.follow_up(uow, envelope)
                    statistics.count(uow, envelope)
                    added += 1
        finally:
            session.close()
    return added, invalid


# ------------------------------------------------------------------------------------ 2. clocks again
def _rows(session, project_code):
    found = {}
    for model in READ_MODEL:
        key = model.__mapper__.primary_key[0].name
        for row in session.execute(select(model).where(model.project_code == project_code)).scalars():
            found[(model.__tablename__, getattr(row, key))] = {
                c.name: getattr(row, c.key) for c in model.__table__.columns if c.name not in IGNORED}
    return found


def _envelope(entry):
    return parse_event({
        "event_id": entry.event_id, "type": entry.type, "version": entry.version, "source": entry.source,
        "occurred_at": entry.occurred_at.isoformat(), "project_code": entry.project_code,
        "actor": entry.actor, "payload": entry.payload})


def rebuild_project(session, project_code):
    """Delete the project's read-model rows and observe its recorded events again. Returns the keys
    of the rows that differ from what was there (missing, changed or left over)."""
    before = _rows(session, project_code)
    session.expunge_all()   # the rows are written again: no stale copies in the session
    for model in reversed(READ_MODEL):
        session.execute(delete(model).where(model.project_code == project_code))
    entries = session.execute(select(TimelineEntryRow).where(TimelineEntryRow.project_code == project_code)
                              .order_by(TimelineEntryRow.occurred_at, TimelineEntryRow.id)).scalars().all()
    for entry in entries:
        project = projection_for(entry.type)
        if project is not None:
            project(session, _envelope(entry))
            session.flush()
    session.expunge_all()
    after = _rows(session, project_code)
    return sorted({key for key in before.keys() | after.keys() if before.get(key) != after.get(key)})


def project_codes(session):
    codes = set(session.execute(select(TimelineEntryRow.project_code).distinct()).scalars())
    for model in READ_MODEL:
        codes |= set(session.execute(select(model.project_code).distinct()).scalars())
    codes.discard(None)
    return sorted(codes)


def rebuild(url, projects=None, sources=(), dry_run=False, out=sys.stdout):
    """Steps 1 and 2 on the database at `url`; returns {added, invalid, projects, differed}."""
    engine = create_engine(url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    report = {"added": 0, "invalid": 0, "projects": 0, "differed": {}}
    try:
        if dry_run:   # everything in one transaction, rolled back at the end
            connection = engine.connect()
            outer = connection.begin()
            sessions = sessionmaker(bind=connection, expire_on_commit=False,
                                    join_transaction_mode="create_savepoint")
        for name, source_url in sources:
            added, invalid = record_missing(sessions, outbox_events(source_url, projects))
            report["added"] += added
            report["invalid"] += invalid
            print(f"{name}: {added} events recorded that were missing", file=out)
        session = sessions()
        codes = projects or project_codes(session)
        session.close()
        for code in codes:
            session = sessions()
            try:
                with session.begin():
                    differed = rebuild_project(session, code)
            finally:
                session.close()
            report["projects"] += 1
            if differed:
                report["differed"][code] = differed
        if dry_run:
            outer.rollback()
            connection.close()
    finally:
        engine.dispose()
    rows = sum(len(v) for v in report["differed"].values())
    print(f"{report['projects']} projects rebuilt; {rows} rows differed in {len(report['differed'])} projects"
          + (" (dry run: nothing written)" if dry_run else ""), file=out)
    for code, keys in sorted(report["differed"].items()):
        print(f"  {code}: " + ", ".join(f"{table} {key}" for table, key in keys), file=out)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m supervision.rebuild", description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("SUPERVISION_DATABASE_URL"),
                        help="supervision's database (default: SUPERVISION_DATABASE_URL)")
    parser.add_argument("--project", action="append", default=[], help="a project code (repeatable; default all)")
    parser.add_argument("--events-from", action="append", default=[], metavar="SERVICE=URL",
                        help="a publisher's database whose outbox is read for missing events (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    args = parser.parse_args(argv)
    if not args.database:
        parser.error("no database: give --database or set SUPERVISION_DATABASE_URL")
    sources = []
    for spec in args.events_from:
        name, sep, url = spec.partition("=")
        if not sep or not url:
            parser.error(f"--events-from wants SERVICE=URL, not {spec!r}")
        sources.append((name, url))
    rebuild(args.database, args.project or None, sources, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
