"""Answers of a read kept in memory under a stamp read from the database with every request.

A read whose answer is expensive to build (many rows, nested schemas) but cheap to date (one
statement that changes whenever any row the answer shows changes: row versions, counts) asks
:class:`Answers` first. The key holds everything the answer depends on: the stamp, who may see
what, the day (clocks and lights are facts of the day), the page. An answer is built and dumped
once per key and per process; a replica, a restart or an eviction only costs one rebuild, so N
replicas answer as one does. A key that has a ``None`` stamp is never kept.

``READ_CACHE_ENTRIES`` (default 1000; 0 turns the cache off) bounds the answers a process keeps,
the least recently used go first. ``platform_read_answers{service, outcome="hit"|"miss"}`` counts them.
"""
import json
from collections import OrderedDict

from nameko.extensions import DependencyProvider

from platform_kit.metrics import READ_ANSWERS

DEFAULT_ENTRIES = 1000


class Answer:
    """A dumped answer, and its JSON encoding made on first use (the HTTP port sends the bytes)."""

    __slots__ = ("data", "_encoded")

    def __init__(self, data):
        self.data = data
        self._encoded = None

    @property
    def encoded(self):
        if self._encoded is None:
            self._encoded = json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode()
        return self._encoded


class AnswerStore:
    """A bounded least-recently-used map of key -> :class:`Answer`. Workers of one process share it;
    nothing in it yields, so green threads never see it half-changed."""

    def __init__(self, entries=DEFAULT_ENTRIES, service="-"):
        self.entries = entries
        self._answers = OrderedDict()
        self.hits = self.misses = 0
        self._hit, self._miss = (READ_ANSWERS.labels(service, outcome) for outcome in ("hit", "miss"))

    def answer(self, key, build):
        """The kept answer for `key`, or ``Answer(build())`` kept under it (when its stamp is known)."""
        if self.entries <= 0 or key[0] is None:
            return Answer(build())
        kept = self._answers.get(key)
        if kept is not None:
            self._answers.move_to_end(key)
            self.hits += 1
            self._hit.inc()
            return kept
        self.misses += 1
        self._miss.inc()
        kept = Answer(build())
        self._answers[key] = kept
        while len(self._answers) > self.entries:
            self._answers.popitem(last=False)
        return kept

    def __len__(self):
        return len(self._answers)


class Answers(DependencyProvider):
    """``self.answers.answer((stamp, ...), build)`` in a service: one store per process."""

    def setup(self):
        self.store = AnswerStore(int(self.container.config.get("READ_CACHE_ENTRIES", DEFAULT_ENTRIES)),
                                 self.container.service_name)

    def get_dependency(self, worker_ctx):
        return self.store


__all__ = ["Answers", "AnswerStore", "Answer"]
