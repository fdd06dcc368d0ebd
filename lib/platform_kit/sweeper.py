"""The pace of a service's periodic sweep over its own deadlines (a timer entrypoint calls it).

Every replica runs the sweep; the sweep itself claims its rows with ``FOR UPDATE SKIP LOCKED``, so
replicas share the work and each deadline is acted on once. This module only decides *when* a
replica sweeps: at most once per ``SWEEP_SECONDS``, the first pass one interval after start, in
batches of ``SWEEP_BATCH`` rows.
"""
import time

from nameko.extensions import DependencyProvider


class SweepPace:
    def __init__(self, seconds, batch, last_run):
        self.sweep_seconds = seconds
        self.batch = batch
        self._last_run = last_run

    def due(self):
        """True when a sweep should run now (at most one per `sweep_seconds` per replica)."""
        now = time.monotonic()
        if now - self._last_run[0] < self.sweep_seconds:
            return False
        self._last_run[0] = now
        return True

    def when_due(self, sweep, *args):
        """Run `sweep(*args, batch=...)` if this replica's interval has passed."""
        if self.due():
            return sweep(*args, batch=self.batch)
        return None


class Sweeper(DependencyProvider):
    """Config: ``SWEEP_SECONDS`` and ``SWEEP_BATCH``; the defaults are the service's own."""

    def __init__(self, seconds=20, batch=500):
        self.default_seconds = seconds
        self.default_batch = batch
        self.last_run = None

    def setup(self):
        config = self.container.config
        self.seconds = float(config.get("SWEEP_SECONDS", self.default_seconds))
        self.batch = int(config.get("SWEEP_BATCH", self.default_batch))
        self.last_run = [time.monotonic()]

    def get_dependency(self, worker_ctx):
        return SweepPace(self.seconds, self.batch, self.last_run)
