"""Delivering notices and reading the inbox (domain.notices).

``deliver`` is the one way anything in the supervision service tells someone something: a notice
row per fact and audience (its de-duplication key is unique, so a redelivered event or a second
replica delivers nothing twice). The inbox applies :meth:`Audience.reaches` in SQL and pages.
"""
import uuid

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError

from platform_kit.db import utcnow
from platform_kit.errors import NotFound
from platform_kit.identity import SUPERVISOR, region_prefix
from supervision.adapters.orm import NotificationReadRow, NotificationRow
from supervision.adapters.upsert import insert_for, on_postgres, sql
from supervision.domain.notices import Audience
from supervision.domain.outbound import Contact
from supervision.handlers import outbound

_NOTICES = NotificationRow.__table__


_COLUMNS = ("notification_id", "dedupe_key", "account", "org", "department", "region", "role", "kind", "urgency",
            "title", "body", "project_code", "stage_id", "case_id", "subject", "sender", "created_at")
# the notice stored unless its key is, with the current contact of its audience (handlers.outbound)
_STORE = sql(f"""
WITH stored AS (
    INSERT INTO notifications ({", ".join(_COLUMNS)}) VALUES ({", ".join(":" + c for c in _COLUMNS)})
    ON CONFLICT DO NOTHING RETURNING notification_id)
SELECT stored.notification_id, contact.email, contact.phone, contact.sms FROM stored
LEFT JOIN LATERAL (SELECT email, phone, sms FROM notification_contacts WHERE audience_key = :audience_key
                   ORDER BY id DESC LIMIT 1) AS contact ON true""")


def deliver(uow, notice):
    """Store `notice` once; returns (row, created). The same fact told to the same audience again
    returns the stored notice. A new notice also emits
    notification.requested in the same transaction (handlers.outbound): its channels, addresses and
    template, for delivery outside the inbox.

    One statement stores it (``ON CONFLICT DO NOTHING`` on the de-duplication key: a second worker
    telling the same fact waits for the first one's transaction, then stores nothing) and reads the
    audience's contact."""
    session = uow.session
    audience = notice.audience
    values = dict(
        notification_id=str(uuid.uuid4()), dedupe_key=notice.key(), account=audience.account,
        org=audience.org, department=audience.department, region=audience.region, role=audience.role,
        kind=notice.kind, urgency=notice.urgency, title=notice.title[:200], body=notice.body or "",
        project_code=notice.project_code, stage_id=notice.stage_id, case_id=notice.case_id,
        subject=notice.subject, sender=notice.sender, created_at=utcnow())
    if on_postgres(session):
        stored = session.execute(_STORE, dict(values, audience_key=audience.key())).first()
        if stored is not None:
            contact = Contact(email=stored.email, phone=stored.phone, sms=stored.sms) \
                if stored.sms is not None else None
            outbound.request(uow, notice, stored.notification_id, contact)
    else:
        stored = session.execute(insert_for(session, _NOTICES).values(**values).on_conflict_do_nothing()
                                 .returning(_NOTICES.c.notification_id)).first()
        if stored is not None:
            outbound.request(uow, notice, stored.notification_id)
    if stored is None:
        return session.execute(select(NotificationRow).where(
            NotificationRow.dedupe_key == values["dedupe_key"])).scalar_one(), False
    return NotificationRow(**values), True   # as stored (not part of the session)


def audience_of(row):
    return Audience(account=row.account, org=row.org, department=row.department, region=row.region,
                    role=row.role)


def reaching(identity):
    """The SQL condition of :meth:`Audience.reaches` for `identity`."""
    n = NotificationRow
    prefix = region_prefix(identity.region)

    def given_or(column, value):
        return or_(column.is_(None), column == literal(value)) if value is not None else column.is_(None)

    region_matches = or_(
        n.region.is_(None),
        and_(n.role == SUPERVISOR, n.region.startswith(prefix)) if prefix else literal(False),
        and_(or_(n.role.is_(None), n.role != SUPERVISOR), n.region == identity.region)
        if identity.region else literal(False))
    return and_(given_or(n.account, identity.sub), given_or(n.org, identity.org),
                given_or(n.department, identity.department), given_or(n.role, identity.role), region_matches)


def _read_by(identity):
    return exists().where(NotificationReadRow.notification_id == NotificationRow.notification_id,
                          NotificationReadRow.account == identity.sub)


def _view(row, read_at):
    return {"notification_id": row.notification_id, "kind": row.kind, "urgency": row.urgency,
            "title": row.title, "body": row.body, "project_code": row.project_code, "stage_id": row.stage_id,
            "case_id": row.case_id, "subject": row.subject, "sender": row.sender, "created_at": row.created_at,
            "read_at": read_at, "audience": audience_of(row).key()}


def list_inbox(uow, identity, cmd):
    """The notices that reach `identity`, newest first (the unread ones first when asked), with when
    this account read each."""
    session = uow.session
    read_at = select(NotificationReadRow.read_at).where(
        NotificationReadRow.notification_id == NotificationRow.notification_id,
        NotificationReadRow.account == identity.sub).scalar_subquery()
    where = [reaching(identity)]
    if cmd.get("kind"):
        where.append(NotificationRow.kind == cmd["kind"])
    if cmd.get("project_code"):
        where.append(NotificationRow.project_code == cmd["project_code"])
    if cmd.get("unread"):
        where.append(~_read_by(identity))
    total = session.execute(select(func.count()).select_from(NotificationRow).where(*where)).scalar()
    order = (NotificationRow.created_at.desc(), NotificationRow.notification_id)
    if cmd.get("unread_first"):     # the unread ones first, each part newest first
        order = (_read_by(identity).asc(),) + order
    rows = session.execute(select(NotificationRow, read_at.label("read_at")).where(*where).order_by(
        *order).limit(cmd["limit"]).offset(cmd["offset"])).all()
    return {"items": [_view(row, at) for row, at in rows], "total": total, "limit": cmd["limit"],
            "offset": cmd["offset"]}


def inbox_counts(uow, identity):
    """Unread notices of `identity` by kind, and in all."""
    rows = uow.session.execute(select(NotificationRow.kind, func.count()).where(
        reaching(identity), ~_read_by(identity)).group_by(NotificationRow.kind)).all()
    by_kind = {kind: count for kind, count in rows}
    return {"unread": sum(by_kind.values()), "by_kind": by_kind}


def read_notice(uow, identity, notification_id):
    """Record that `identity` read the notice (the first reading counts); 404 for a notice that does
    not reach them, so nobody learns of others' notices."""
    session = uow.session
    row = session.execute(select(NotificationRow).where(
        NotificationRow.notification_id == notification_id, reaching(identity))).scalar_one_or_none()
    if row is None:
        raise NotFound("没有这条消息")
    seen = session.get(NotificationReadRow, (notification_id, identity.sub))
    if seen is None:
        try:
            with session.begin_nested():
                seen = NotificationReadRow(notification_id=notification_id, account=identity.sub,
                                           read_at=utcnow())
                session.add(seen)
        except IntegrityError:
            seen = session.get(NotificationReadRow, (notification_id, identity.sub), populate_existing=True)
    return _view(row, seen.read_at)


def readers(uow, notification_ids):
    """Who read which of the given notices, and when (for the sender of an urge)."""
    if not notification_ids:
        return {}
    out = {}
    for read in uow.session.execute(select(NotificationReadRow).where(
            NotificationReadRow.notification_id.in_(list(notification_ids))).order_by(
            NotificationReadRow.read_at)).scalars():
        out.setdefault(read.notification_id, []).append({"account": read.account, "read_at": read.read_at})
    return out


__all__ = ["deliver", "list_inbox", "inbox_counts", "read_notice", "readers", "reaching", "audience_of"]
