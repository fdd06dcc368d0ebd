"""Move dead-lettered events back to their handler queue: ``python -m platform_kit.replay``.

::

    python -m platform_kit.replay [--amqp-uri URI] [--queue Q ...] [--service MODULE ...]
                                  [--type EVENT_TYPE ...] [--error TEXT] [--limit N] [--dry-run]

Without ``--queue`` the dead-letter queues of every event handler of the platform's services are
looked at (found in their code: ``--service`` names the modules, default all of the platform's).
``--queue`` names a handler queue ``Q`` or its ``Q.dlq``. Filters: ``--type`` (the event's type),
``--error`` (text the recorded error contains), ``--limit`` (at most N messages in all).
``--dry-run`` lists what would move and moves nothing. ``AMQP_URI`` is the default broker.

Each message is republished to ``Q`` with publisher confirms, its bytes and properties unchanged
(the retry bookkeeping headers reset, ``x-platform-replayed`` counted up), and only then removed from
``Q.dlq``. Messages that do not match stay where they were. If the command is interrupted between
the two steps, the message is in both queues: running it again moves the copy again, and the
handlers, idempotent by ``event_id``, apply the event once. Nothing is ever lost.
"""
import argparse
import importlib
import inspect
import json
import os
import sys

from kombu import Connection, Producer
from nameko.constants import PERSISTENT
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from platform_kit import bus_failures as bf

SERVICE_MODULES = ("intake.service", "stage.service", "consult.service", "certificate.service",
                   "supervision.service", "supervision.exchange.service")
RESET_HEADERS = (bf.ATTEMPT_HEADER, bf.INFRA_ATTEMPT_HEADER, bf.ERROR_HEADER, bf.FAILURE_HEADER,
                 bf.DEAD_LETTERED_AT_HEADER)


def handler_queues(module_names=SERVICE_MODULES):
    """The queue of every reliable event handler of the nameko services in these modules."""
    from platform_kit.bus import ReliableEventHandler
    queues = []
    for module_name in module_names:
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            service = getattr(cls, "name", None)
            if cls.__module__ != module.__name__ or not isinstance(service, str):
                continue
            for method_name, method in inspect.getmembers(cls, callable):
                for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                    if isinstance(entrypoint, ReliableEventHandler):
                        queues.append(f"evt-{entrypoint.source_service}-{entrypoint.event_type}"
                                      f"--{service}.{method_name}")
    return sorted(set(queues))


def envelope_field(message, field):
    try:
        return json.loads(message.body).get(field)
    except (ValueError, TypeError, AttributeError):   # undecodable: only its headers say anything
        return None


def event_type_of(message):
    return envelope_field(message, "type") or (message.headers or {}).get("event_type")


def matches(message, types, error):
    if types and event_type_of(message) not in types:
        return False
    return not error or error in str((message.headers or {}).get(bf.ERROR_HEADER, ""))


def describe(message):
    headers = message.headers or {}
    properties = message.properties or {}
    return {"event_id": properties.get("message_id") or envelope_field(message, "event_id"),
            "type": event_type_of(message),
            "failure": headers.get(bf.FAILURE_HEADER), "error": str(headers.get(bf.ERROR_HEADER, ""))[:300],
            "dead_lettered_at": headers.get(bf.DEAD_LETTERED_AT_HEADER)}


def replay_queue(conn, queue, *, types=(), error=None, limit=None, dry_run=False, out=print):
    """Move the matching messages of ``queue.dlq`` back to ``queue``; return how many (would) move."""
    dlq = f"{queue}.dlq"
    channel = conn.channel()
    try:
        try:
            _, depth, _ = channel.queue_declare(dlq, passive=True)
        except Exception:  # no such queue: nothing was ever dead-lettered there
            return 0
        moved = 0
        producer = Producer(channel)   # the connection publishes with confirms (see main)
        # every message is taken once (unacknowledged ones are not delivered again on this channel);
        # those not moved go back to the queue when the channel closes
        for _ in range(depth):
            if limit is not None and moved >= limit:
                break
            message = channel.basic_get(dlq, no_ack=False)
            if message is None:
                break
            message = channel.message_to_python(message)
            if not matches(message, types, error):
                continue
            out(json.dumps({"queue": queue, "action": "would move" if dry_run else "moved",
                            **describe(message)}, ensure_ascii=False, default=str))
            moved += 1
            if dry_run:
                continue
            headers = {k: v for k, v in bf.carried_headers(message.headers).items() if k not in RESET_HEADERS}
            headers[bf.REPLAYED_HEADER] = int(headers.get(bf.REPLAYED_HEADER, 0)) + 1
            properties = message.properties or {}
            producer.publish(message.body, exchange="", routing_key=queue, mandatory=True,
                             delivery_mode=PERSISTENT, headers=headers,
                             content_type=message.content_type or "application/data",
                             content_encoding=message.content_encoding or "binary",
                             message_id=properties.get("message_id"))
            message.ack()   # the publish above returned only once the broker confirmed it
        return moved
    finally:
        channel.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--queue", action="append", default=[], help="a handler queue (or its .dlq)")
    parser.add_argument("--service", action="append", default=[],
                        help="a module of nameko services whose handlers' queues to look at")
    parser.add_argument("--type", action="append", default=[], help="only events of this type")
    parser.add_argument("--error", help="only messages whose recorded error contains this text")
    parser.add_argument("--limit", type=int, help="move at most this many messages")
    parser.add_argument("--dry-run", action="store_true", help="list what would move; move nothing")
    args = parser.parse_args(argv)
    queues = [q[:-len(".dlq")] if q.endswith(".dlq") else q for q in args.queue]
    if not queues:
        queues = handler_queues(args.service or SERVICE_MODULES)
    total = 0
    with Connection(args.amqp_uri, transport_options={"confirm_publish": True}) as conn:
        for queue in queues:
            left = None if args.limit is None else args.limit - total
            if left is not None and left <= 0:
                break
            total += replay_queue(conn, queue, types=set(args.type), error=args.error, limit=left,
                                  dry_run=args.dry_run)
    print(f"{'would move' if args.dry_run else 'moved'} {total} message(s) from "
          f"{len(queues)} dead-letter queue(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
