"""The pace of a service's periodic sweep over its own deadlines (a timer entrypoint calls it).

Every replica runs the sweep; the sweep itself claims its rows with ``FOR UPDATE SKIP LOCKED``, so
replicas share the work and each deadline is acted on once. This module only decides *when* a
replica sweeps: at most once per ``SWEEP_SECONDS``, the first pass one interval after start, in
batches of ``SWEEP_BATCH`` rows. Each pass is timed (``platform_sweeper_pass_seconds`` and
``platform_sweeper_last_pass_timestamp_seconds``, labelled by service and by the timer that swept).
"""
import time

from nameko.extensions import DependencyProvider

from platform_kit.metrics import sweep_passed


class SweepPace:
    def __init__(self, seconds, batch, last_run, service="", name="sweep"):
        self.sweep_seconds = seconds
        self.batch = batch
        self._last_run = last_run
        self.service = service
        self.name = name

    def due(self):
        """True when a sweep should run now (at most one per `sweep_seconds` per replica)."""
        now = time.monotonic()
        if now - self._last_run[0] < self.sweep_seconds:
            return False
        self._last_run[0] = now
        return True

    def when_due(self, sweep, *args):
        """Run `sweep(*args, batch=...)` if this replica's interval has passed."""
        if not self.due():
            return None
        started = time.perf_counter()
        result = sweep(*args, batch=self.batch)
        sweep_passed(self.service, self.name, time.perf_counter() - started)
        return result


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
        return SweepPace(self.seconds, self.batch, self.last_run, worker_ctx.service_name,
                         worker_ctx.entrypoint.method_name)
