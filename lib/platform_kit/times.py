"""Instants: the one place the platform reads the wall clock in UTC (dates of the legal clock come
from ``platform_kit.calendar.today_in_shanghai``)."""
from datetime import datetime, timezone


def utcnow():
    return datetime.now(timezone.utc)
