"""A unit of work held in memory, for unit tests of use cases (no database, no broker).

A service's tests give it their own in-memory repositories, with the same methods as the
SQL ones: ``FakeUnitOfWork(cases=FakeCaseRepository(...))``. Integration tests use the real ones.
"""


class FakeUnitOfWork:
    read_only = False

    def __init__(self, **repositories):
        for name, repository in repositories.items():
            setattr(self, name, repository)
        self.emitted = []
        self._processed = set()

    def emit(self, envelope):
        self.emitted.append(envelope)

    def first_time(self, envelope, consumer):
        key = (consumer, str(envelope.event_id))
        if key in self._processed:
            return False
        self._processed.add(key)
        return True

    def events(self, event_type=None):
        """The envelopes emitted so far, of one type if given."""
        return [e for e in self.emitted if event_type is None or e.type == event_type]
