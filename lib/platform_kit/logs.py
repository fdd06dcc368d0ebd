"""Log lines as JSON (structlog), one object a line, with the request id of the work they belong to.

Every process (the services through their ``config.yml``'s ``LOGGING``, the gateway through
:func:`configure`) writes the standard library's records, ``logging.getLogger(__name__)`` included,
through structlog's ``ProcessorFormatter``: ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``,
``event`` (the message), ``service`` and whatever the work in hand has bound with :func:`bind`
(``request_id``, ``entrypoint``, …), plus ``exception`` when there is one::

    {"event": "rpc handled", "service": "stage", "request_id": "5c3e…", "method": "list_stages", …}

Bound values live in context variables: a nameko worker (a green thread) or a gateway request sees
only its own. ``LOG_FORMAT=console`` gives structlog's readable lines instead (local runs).
"""
import logging
import os
import re

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars, merge_contextvars

JSON, CONSOLE = "json", "console"
REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")   # printable ASCII without spaces, 1–128


def valid_request_id(value):
    """`value` stripped when it is a sane request id (1–128 printable ASCII characters without spaces), else None."""
    value = (value or "").strip()
    return value if REQUEST_ID.fullmatch(value) else None


def current_request_id():
    """The request id bound to the work in hand (this worker's, this HTTP request's), if any."""
    return get_contextvars().get("request_id")


def _shared_processors(service):
    def add_service(logger, method, event_dict):
        if service:
            event_dict.setdefault("service", service)
        return event_dict

    return [merge_contextvars, structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True), add_service]


class Formatter(structlog.stdlib.ProcessorFormatter):
    """A ``logging.Formatter`` writing JSON (or console) lines; usable from ``dictConfig``::

        formatters: {json: {"()": platform_kit.logs.Formatter, service: stage, output: json}}
    """

    def __init__(self, service=None, output=None, **_ignored):
        output = (output or os.environ.get("LOG_FORMAT") or JSON).strip().lower()
        renderer = (structlog.dev.ConsoleRenderer(colors=False) if output == CONSOLE
                    else structlog.processors.JSONRenderer(ensure_ascii=False, default=str))
        super().__init__(
            # a record's ``extra={...}`` values become keys of its line
            foreign_pre_chain=[*_shared_processors(service), structlog.stdlib.ExtraAdder()],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info, renderer])
        _configure_structlog()


def _configure_structlog():
    """structlog's own loggers (``structlog.get_logger()``) go through the standard library too."""
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[merge_contextvars, structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True)


def configure(service, level=None, output=None):
    """Send the root logger's records (and gunicorn's, which propagate) to stderr through
    :class:`Formatter`; for processes that are not started by ``nameko run`` (the gateway, scripts)."""
    handler = logging.StreamHandler()
    handler.setFormatter(Formatter(service=service, output=output))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO").upper())
    return handler


def dict_config(service, level="INFO", output=None):
    """The ``logging.config.dictConfig`` of a process writing JSON lines to stderr (gunicorn's
    ``logconfig_dict``)."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.Formatter", "service": service, "output": output}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {"gunicorn.error": {"level": level, "handlers": [], "propagate": True},
                    "gunicorn.access": {"level": level, "handlers": [], "propagate": True}},
    }


def bind(**values):
    """Add `values` to every line logged from here on by this worker or request."""
    bind_contextvars(**{k: v for k, v in values.items() if v is not None})


def clear():
    clear_contextvars()


__all__ = ["Formatter", "configure", "dict_config", "bind", "clear", "valid_request_id", "current_request_id"]
