"""Notices outside the inbox (domain.outbound): the contact directory, the notification.requested
event every new notice emits, and the e-mail sent for it.

- :func:`request` is called by ``notices.deliver`` for a notice stored for the first time, in the
  same transaction: the event commits with the notice or not at all.
- :func:`send_email` handles that event: one delivery row per event, channel and address, locked
  while the server is spoken to; each attempt is appended with its outcome. A delivery already
  sent is not sent again (a redelivered event, a second replica); a failed one is tried again when
  the event handler's retry brings the event back.
"""
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from platform_kit.contracts import Actor, new_event
from platform_kit.db import utcnow
from platform_kit.notices import EMAIL
from supervision.adapters.mail import MailFailed
from supervision.adapters.orm import NotificationAttemptRow, NotificationContactRow, NotificationDeliveryRow
from supervision.domain import outbound
from supervision.domain.notices import Audience

SOURCE = "supervision"
_DELIVERY_IDS = uuid.UUID("6f1c6a52-4b0e-4a8e-9c57-2d0f3b7c9e11")


class DeliveryFailed(Exception):
    """Sending failed (recorded); raised so that the event comes back for another attempt."""


# ------------------------------------------------------------------------------ contact directory
def _latest_ids():
    return select(func.max(NotificationContactRow.id).label("id")).group_by(
        NotificationContactRow.audience_key).subquery()


_CONTACTS = NotificationContactRow.__table__


def contact_of(session, audience):
    """The current contact of `audience` (its latest row), or None."""
    row = session.execute(select(_CONTACTS.c.email, _CONTACTS.c.phone, _CONTACTS.c.sms).where(
        _CONTACTS.c.audience_key == audience.key()).order_by(_CONTACTS.c.id.desc()).limit(1)).first()
    return outbound.Contact(email=row.email, phone=row.phone, sms=row.sms) if row is not None else None


def _contact_view(row, versions):
    contact = outbound.Contact(email=row.email, phone=row.phone, sms=row.sms)
    return {"audience": row.audience_key, "account": row.account, "org": row.org, "department": row.department,
            "region": row.region, "role": row.role, "email": row.email, "phone": row.phone, "sms": row.sms,
            "channels": outbound.channels(contact), "reason": row.reason, "recorded_by": row.recorded_by,
            "recorded_at": row.recorded_at, "versions": versions}


def set_contact(uow, identity, cmd):
    """Record the addresses of an audience (appended; the latest is current)."""
    audience = Audience(**cmd["audience"])
    session = uow.session
    row = NotificationContactRow(
        audience_key=audience.key(), account=audience.account, org=audience.org, department=audience.department,
        region=audience.region, role=audience.role, email=cmd.get("email") or None,
        phone=cmd.get("phone") or None, sms=bool(cmd.get("sms")), reason=cmd.get("reason") or "",
        recorded_by=identity.sub, recorded_at=utcnow())
    session.add(row)
    session.flush()
    versions = session.execute(select(func.count()).where(
        NotificationContactRow.audience_key == row.audience_key)).scalar()
    return _contact_view(row, versions)


def list_contacts(uow, cmd):
    """The current contact of every audience that has one, newest first."""
    c = NotificationContactRow
    latest = _latest_ids()
    where = [c.id.in_(select(latest.c.id))]
    for name in ("department", "org", "account"):
        if cmd.get(name):
            where.append(getattr(c, name) == cmd[name])
    session = uow.session
    total = session.execute(select(func.count()).select_from(c).where(*where)).scalar()
    rows = session.execute(select(c).where(*where).order_by(c.recorded_at.desc(), c.id.desc()).limit(
        cmd["limit"]).offset(cmd["offset"])).scalars().all()
    counts = dict(session.execute(select(c.audience_key, func.count()).where(
        c.audience_key.in_([r.audience_key for r in rows])).group_by(c.audience_key)).all()) if rows else {}
    return {"items": [_contact_view(r, counts.get(r.audience_key, 1)) for r in rows], "total": total,
            "limit": cmd["limit"], "offset": cmd["offset"]}


# ------------------------------------------------------------------------------ the event
_UNREAD = object()


def request(uow, notice, notification_id, contact=_UNREAD):
    """Emit notification.requested for a notice just stored (same transaction); `contact` is the
    audience's current contact (None: it has none) when the caller read it already."""
    _emit(uow, notice, notification_id, contact_of(uow.session, notice.audience) if contact is _UNREAD else contact)


def request_many(uow, stored):
    """Emit notification.requested for each (notice, notification_id) just stored, reading each
    audience's contact once (an escalation batch tells few audiences many things)."""
    contacts = {}
    for notice, notification_id in stored:
        key = notice.audience.key()
        if key not in contacts:
            contacts[key] = contact_of(uow.session, notice.audience)
        _emit(uow, notice, notification_id, contacts[key])


def _emit(uow, notice, notification_id, contact):
    audience = notice.audience
    name, parameters = outbound.template(notice, notification_id)
    uow.emit(new_event("notification.requested", source=SOURCE, project_code=notice.project_code,
                       actor=Actor.SYSTEM, payload={
                           "notification_id": notification_id,
                           "recipient": {"key": audience.key(), "account": audience.account, "org": audience.org,
                                         "department": audience.department, "region": audience.region,
                                         "role": audience.role},
                           "channels": outbound.channels(contact),
                           "email": contact.email if contact else None,
                           "phone": contact.phone if contact and contact.sms else None,
                           "kind": notice.kind, "urgency": notice.urgency,
                           "template": {"name": name, "parameters": parameters},
                           "case_id": notice.case_id}))


# ------------------------------------------------------------------------------ e-mail
def _delivery(session, delivery_id, initial):
    """The delivery row, locked; created when missing (a concurrent creator waits, then reads it)."""
    row = session.get(NotificationDeliveryRow, delivery_id, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = NotificationDeliveryRow(delivery_id=delivery_id, **initial)
            session.add(row)
        return row
    except IntegrityError:
        return session.get(NotificationDeliveryRow, delivery_id, with_for_update=True, populate_existing=True)


def send_email(uow, envelope, mailer):
    """Send the e-mail a notification.requested event asks for, once. Returns the outcome, or None
    when there is nothing to send (no e-mail channel, or no SMTP server configured)."""
    p = envelope.payload
    address = p.get("email")
    if EMAIL not in p["channels"] or not address or mailer is None:
        return None
    session = uow.session
    subject, text = outbound.render_email(p["template"]["name"], p["template"]["parameters"])
    delivery_id = str(uuid.uuid5(_DELIVERY_IDS, f"{envelope.event_id}|{EMAIL}|{address}"))
    row = _delivery(session, delivery_id, {
        "event_id": envelope.event_id, "notification_id": p["notification_id"], "channel": EMAIL,
        "address": address, "subject": subject, "created_at": utcnow()})
    attempts = session.execute(select(NotificationAttemptRow).where(
        NotificationAttemptRow.delivery_id == row.delivery_id)).scalars().all()
    if any(a.outcome == outbound.SENT for a in attempts):
        return {"delivery_id": row.delivery_id, "outcome": outbound.SENT, "again": True}
    try:
        mailer.send(address, subject, text, message_id=row.delivery_id)
    except MailFailed as exc:
        outcome, reason = outbound.FAILED, str(exc)[:2000]
    else:
        outcome, reason = outbound.SENT, None
    session.add(NotificationAttemptRow(delivery_id=row.delivery_id, attempt=len(attempts) + 1, outcome=outcome,
                                       reason=reason, attempted_at=utcnow()))
    session.flush()
    return {"delivery_id": row.delivery_id, "outcome": outcome, "reason": reason, "again": False}


def list_deliveries(uow, cmd):
    """The e-mails sent or tried, newest first, each with its attempts."""
    d, a = NotificationDeliveryRow, NotificationAttemptRow
    where = []
    if cmd.get("notification_id"):
        where.append(d.notification_id == cmd["notification_id"])
    if cmd.get("outcome") == outbound.SENT:
        where.append(d.delivery_id.in_(select(a.delivery_id).where(a.outcome == outbound.SENT)))
    elif cmd.get("outcome") == outbound.FAILED:
        where.append(d.delivery_id.not_in(select(a.delivery_id).where(a.outcome == outbound.SENT)))
    session = uow.session
    total = session.execute(select(func.count()).select_from(d).where(*where)).scalar()
    rows = session.execute(select(d).where(*where).order_by(d.created_at.desc(), d.delivery_id).limit(
        cmd["limit"]).offset(cmd["offset"])).scalars().all()
    attempts = {}
    if rows:
        for attempt in session.execute(select(a).where(a.delivery_id.in_([r.delivery_id for r in rows])).order_by(
                a.delivery_id, a.attempt)).scalars():
            attempts.setdefault(attempt.delivery_id, []).append(
                {"attempt": attempt.attempt, "outcome": attempt.outcome, "reason": attempt.reason,
                 "attempted_at": attempt.attempted_at})
    items = []
    for r in rows:
        tried = attempts.get(r.delivery_id, [])
        items.append({"delivery_id": r.delivery_id, "notification_id": r.notification_id, "event_id": r.event_id,
                      "channel": r.channel, "address": r.address, "subject": r.subject, "created_at": r.created_at,
                      "outcome": outbound.SENT if any(t["outcome"] == outbound.SENT for t in tried)
                      else outbound.FAILED, "attempts": tried})
    return {"items": items, "total": total, "limit": cmd["limit"], "offset": cmd["offset"]}


__all__ = ["DeliveryFailed", "contact_of", "set_contact", "list_contacts", "request", "send_email",
           "list_deliveries"]
