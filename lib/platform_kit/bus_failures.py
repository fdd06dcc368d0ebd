"""What a failed event delivery was, and how long the bus keeps trying it.

Two budgets, because the two kinds of failure heal differently:

- **bad data or a bug** (a handler raised anything else): the event is retried after each delay of
  ``EVENT_RETRY_DELAYS`` (default 1, 5, 30 s) and then dead-lettered; waiting longer would not help;
- **infrastructure** (the handler's database or the broker is away: SQLAlchemy's
  ``OperationalError``, ``InterfaceError``, ``DisconnectionError`` and pool ``TimeoutError``, kombu's
  and amqp's connection errors, socket errors): retried after each delay of
  ``EVENT_INFRA_RETRY_DELAYS`` (default 5, 20, 60, 120, 180, 300 s: about 11 minutes in all,
  capped at 5 minutes a wait) before it is dead-lettered, so a database restarted or failed over
  within minutes loses nothing and needs no replay.

Dead-lettered messages carry the reason in headers (names below); ``python -m platform_kit.replay``
moves them back.
"""
import os
import socket

from amqp.exceptions import ConnectionError as AmqpConnectionError
from amqp.exceptions import RecoverableConnectionError
from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy import exc as sa_exc

DEFAULT_RETRY_DELAYS = (1, 5, 30)                          # seconds, bad data or a bug
DEFAULT_INFRA_RETRY_DELAYS = (5, 20, 60, 120, 180, 300)  # seconds, database or broker away

# headers the bus writes on a message it moves (never call context: they start with "x-")
ATTEMPT_HEADER = "x-platform-attempt"              # the attempt the next delivery is (bad-data budget)
INFRA_ATTEMPT_HEADER = "x-platform-infra-attempt"  # the same, infrastructure budget
ERROR_HEADER = "x-platform-error"                  # the last error, as text
FAILURE_HEADER = "x-platform-failure"              # undecodable | invalid | handler | infrastructure
QUEUE_HEADER = "x-platform-queue"                  # the handler queue it came from
DEAD_LETTERED_AT_HEADER = "x-platform-dead-lettered-at"
REPLAYED_HEADER = "x-platform-replayed"            # how many times the replay command moved it back

# headers RabbitMQ adds when a delay queue's TTL dead-letters a message back: not worth carrying on
BROKER_HEADERS = ("x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
                  "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason")

UNDECODABLE, INVALID, HANDLER, INFRASTRUCTURE = "undecodable", "invalid", "handler", "infrastructure"

INFRASTRUCTURE_ERRORS = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError,
    KombuOperationalError, AmqpConnectionError, RecoverableConnectionError,
    ConnectionError, socket.timeout, TimeoutError,
)


def is_infrastructure_failure(exc):
    """True when `exc` (or an exception it was raised from or during) says a database or the broker
    could not be reached, rather than that the event or the code is wrong."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, INFRASTRUCTURE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def delays(config, key, default):
    """A retry budget: the service configuration's `key`, else the environment variable of that name,
    else `default`; a list of seconds (a YAML list or "1,5,30")."""
    value = config.get(key, os.environ.get(key))
    if value is None or value == "":
        return tuple(default)
    if isinstance(value, str):
        value = [part for part in value.replace(" ", "").split(",") if part]
    return tuple(float(v) for v in value)


def carried_headers(headers):
    """The headers of a received message worth keeping when it is moved to another queue."""
    return {k: v for k, v in (headers or {}).items() if k not in BROKER_HEADERS}
