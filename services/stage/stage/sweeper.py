"""Settings of the clock for the service's workers, and the pace of the deadline sweeper.

Every replica runs the sweeper; rows are claimed with ``FOR UPDATE SKIP LOCKED`` (see
``handlers.sweep``), so replicas share the work and each deadline is acted on once.
"""
import time

from nameko.extensions import DependencyProvider


class ClockSettings:
    def __init__(self, config, last_run):
        self.sweep_seconds = float(config.get("SWEEP_SECONDS", 20))
        self.yellow_days = int(config.get("LIGHT_YELLOW_DAYS", 2))
        self.overall_cap_days = int(config.get("OVERALL_CAP_DAYS", 59))
        self.batch = int(config.get("SWEEP_BATCH", 500))
        self._last_run = last_run

    def when_due(self, sweep, *args):
        """Run `sweep(*args, batch=...)` if this replica's interval has passed."""
        if self.due():
            return sweep(*args, batch=self.batch)
        return None

    def due(self):
        """True when a sweep should run now (at most one per `sweep_seconds` per replica)."""
        now = time.monotonic()
        if now - self._last_run[0] < self.sweep_seconds:
            return False
        self._last_run[0] = now
        return True


class Sweeper(DependencyProvider):
    def setup(self):
        # the first pass comes one interval after start, like every later one
        self.last_run = [time.monotonic()]

    def get_dependency(self, worker_ctx):
        return ClockSettings(self.container.config, self.last_run)
