"""The holiday schedules operators loaded, kept by every service that counts working days.

One calendar for the platform: the stage service owns the operator's loads
(``POST /calendar/years``) and publishes each as ``calendar.year_loaded``; every other service
that counts working days (intake, consult, ...) stores the event in its own ``calendar_years``
table and counts with :func:`current_calendar`. A replica started later or a service restarted
afterwards reads the same rows from its database, so every process of the platform counts with the
same schedule. The latest load of a year wins; earlier loads stay as the record.
"""
from datetime import date

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, func, insert, select

from platform_kit.calendar import official_calendar
from platform_kit.times import utcnow

_metadata = MetaData()
calendar_years = Table(
    "calendar_years", _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, index=True),
    Column("holidays", JSON, nullable=False),
    Column("working_weekends", JSON, nullable=False),
    Column("loaded_by", String(80), nullable=False),
    Column("loaded_at", DateTime(timezone=True), default=utcnow),
    # the calendar.year_loaded event that carried it (the stage service's own loads: the event it published)
    Column("event_id", String(36), unique=True),
)


def add_calendar_table(metadata):
    """Put the ``calendar_years`` table into a service's metadata (its migrations create it)."""
    return calendar_years.to_metadata(metadata)


def record_year(session, year, holidays, working_weekends, loaded_by, loaded_at=None, event_id=None):
    """Store one load of a year (dates as dates or ISO text)."""
    session.execute(insert(calendar_years).values(
        year=year, holidays=[_iso(d) for d in holidays], working_weekends=[_iso(d) for d in working_weekends],
        loaded_by=loaded_by, loaded_at=loaded_at or utcnow(), event_id=event_id))


def store_loaded_year(envelope, uow, consumer):
    """stage/calendar.year_loaded: keep the year, once per event. True when it was new."""
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    record_year(uow.session, p["year"], p["holidays"], p["working_weekends"], p["loaded_by"],
                p["loaded_at"], event_id=envelope.event_id)
    return True


def loaded_years(session):
    """Every load, oldest first: {year, holidays, working_weekends, loaded_by, loaded_at}."""
    rows = session.execute(select(calendar_years).order_by(calendar_years.c.id)).mappings().all()
    return [dict(row) for row in rows]


_cache = {}


def stamp_columns():
    """What tells whether a year was loaded since (the number of loads, the last one), as two scalar
    subqueries a use case may read with a statement it makes anyway (see :func:`current_calendar`)."""
    return (select(func.count(calendar_years.c.id)).scalar_subquery(),
            select(func.max(calendar_years.c.id)).scalar_subquery())


def current_calendar(session, stamp=None):
    """The official schedule (``chinesecalendar``) with every loaded year on top.

    One small query per call tells whether anything was loaded since the calendar was built (in
    this or any other replica); the calendar itself is built again only then. `stamp`: that
    (count, last) when read already in this transaction (:func:`stamp_columns`).
    """
    bind = session.get_bind()
    if stamp is None:
        stamp = session.execute(select(func.count(calendar_years.c.id), func.max(calendar_years.c.id))).one()
    key = tuple(stamp)
    cached = _cache.get(str(bind.url))
    if cached is not None and cached[0] == key:
        return cached[1]
    calendar = official_calendar()
    for row in loaded_years(session):
        calendar = calendar.with_year(row["year"], [_date(d) for d in row["holidays"]],
                                      [_date(d) for d in row["working_weekends"]])
    _cache[str(bind.url)] = (key, calendar)
    return calendar


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value
