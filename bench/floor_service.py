"""The least a service of the platform can be: what bench/bench_floor.py measures the messaging floor
with. Its entrypoints do nothing of their own, but travel the way every service's do: RPC through
``platform_kit.rpc``, events out through the outbox and its relay, events in through
``platform_kit.bus`` with the processed-event marker in the handler's transaction, metrics and JSON
log lines per worker. ``SecondSubscriber`` (run beside it in the same process) takes each event a
second time, as a second service would."""
from sqlalchemy import text

from platform_kit.bus import event_handler
from platform_kit.calendar import today_in_shanghai
from platform_kit.contracts import Actor, new_event
from platform_kit.db import Database, service_metadata
from platform_kit.metrics import Metrics
from platform_kit.rpc import rpc
from platform_kit.times import utcnow

metadata = service_metadata()
SELECT_ONE = text("SELECT 1")


class FloorService:
    name = "floor"

    db = Database(metadata)
    metrics = Metrics()

    @rpc
    def echo(self, value):
        """An RPC and nothing else."""
        return value

    @rpc
    def write(self, value):
        """An RPC with a unit of work of one statement: what a write costs before its own work. Sent with a
        call key (as the gateway sends a keyed write), the key is recorded and the answer kept (platform_kit.calls)."""
        with self.db.unit_of_work() as uow:
            uow.session.execute(SELECT_ONE)
        return value

    @rpc
    def emit(self, count):
        """`count` events, written to the outbox in one unit of work (its relay publishes them)."""
        with self.db.unit_of_work() as uow:
            for _ in range(count):
                uow.emit(new_event("calendar.year_loaded", source="floor", project_code=None,
                                   actor=Actor(id="bench", role="operator"),
                                   payload={"year": today_in_shanghai().year, "holidays": [], "working_weekends": [],
                                            "loaded_by": "bench", "loaded_at": utcnow()}))
        return count

    @event_handler("floor", "calendar.year_loaded")
    def on_event(self, envelope):
        """An event handled as every handler of the platform is: in a transaction that records it."""
        with self.db.unit_of_work() as uow:
            uow.first_time(envelope, "floor.on_event")


class SecondSubscriber:
    """Another service subscribed to the same event (its own queue): one more delivery per event."""
    name = "floor_second"

    db = Database(metadata, relay=False)
    metrics = Metrics()

    @event_handler("floor", "calendar.year_loaded")
    def on_event(self, envelope):
        with self.db.unit_of_work() as uow:
            uow.first_time(envelope, "floor_second.on_event")
