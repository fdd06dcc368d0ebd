"""The pace of the consultation deadline sweeper (004 §14: silence by the deadline = no opinion).

Every replica runs it; consultations are claimed with ``FOR UPDATE SKIP LOCKED`` (see
``handlers.sweep``), so replicas share the work and each silence is recorded once.
Config: ``SWEEP_SECONDS`` (env ``CONSULT_SWEEP_SECONDS``, default 30), ``SWEEP_BATCH``.
"""
import time

from nameko.extensions import DependencyProvider


class SweepPace:
    def __init__(self, config, last_run):
        self.sweep_seconds = float(config.get("SWEEP_SECONDS", 30))
        self.batch = int(config.get("SWEEP_BATCH", 200))
        self._last_run = last_run

    def when_due(self, sweep, *args):
        """Run `sweep(*args, batch=...)` if this replica's interval has passed."""
        now = time.monotonic()
        if now - self._last_run[0] < self.sweep_seconds:
            return None
        self._last_run[0] = now
        return sweep(*args, batch=self.batch)


class Sweeper(DependencyProvider):
    def setup(self):
        # the first pass comes one interval after start, like every later one
        self.last_run = [time.monotonic()]

    def get_dependency(self, worker_ctx):
        return SweepPace(self.container.config, self.last_run)
