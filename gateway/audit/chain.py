"""The audit chain's rule, in plain Python.

Each record's ``hash`` is SHA-256 over its predecessor's hash followed by the canonical JSON of the
record's content (sorted keys, no spaces, UTF-8); the first record follows :data:`GENESIS`. Altering a
record changes its hash; deleting or reordering records breaks the next record's ``prev_hash`` or the
run of ``seq`` numbers. :func:`first_break` walks records in order and names the first broken link.
"""
import hashlib
import json

GENESIS = "0" * 64
CONTENT_FIELDS = ("seq", "at", "request_id", "event", "client", "actor", "actor_source", "role", "method",
                  "route", "object_ids", "status")


def canonical(content):
    """The bytes a record's hash covers: its content fields as canonical JSON."""
    data = {name: content.get(name) for name in CONTENT_FIELDS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def link(prev_hash, content):
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(content)).hexdigest()


class Break:
    """The first broken link: which record, and what differs."""

    def __init__(self, record, problem):
        self.id = record.get("id")
        self.seq = record.get("seq")
        self.problem = problem

    def __str__(self):
        return f"record id={self.id} seq={self.seq}: {self.problem}"


def first_break(records, anchor=GENESIS, start_seq=1):
    """(the first :class:`Break` or None, how many records were checked, the last (seq, hash)).

    `records` are dicts with the content fields, ``id``, ``prev_hash`` and ``hash``, in stored order.
    ``anchor=None`` accepts whatever the first record follows (an archive that starts mid-chain); its
    ``seq`` then starts the run.
    """
    expected_prev, expected_seq = anchor, start_seq
    checked, head = 0, ((start_seq or 1) - 1, anchor)
    for record in records:
        if expected_seq is None:
            expected_seq = record.get("seq")
        if record.get("seq") != expected_seq:
            return Break(record, f"seq is {record.get('seq')}, expected {expected_seq} "
                                 "(a record before it is missing or out of order)"), checked, head
        if expected_prev is not None and record.get("prev_hash") != expected_prev:
            return Break(record, f"prev_hash is {record.get('prev_hash')}, but the record before it hashes to "
                                 f"{expected_prev} (a record before it was deleted, altered or reordered)"), \
                checked, head
        computed = link(record.get("prev_hash") or "", record)
        if record.get("hash") != computed:
            return Break(record, f"content does not match its hash: stored {record.get('hash')}, "
                                 f"computed {computed} (the record was altered)"), checked, head
        checked += 1
        head = (record["seq"], record["hash"])
        expected_prev, expected_seq = record["hash"], record["seq"] + 1
    return None, checked, head
