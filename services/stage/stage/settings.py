"""The legal clock's settings as the stage service's workers see them (its ``config.yml``).

``LIGHT_YELLOW_DAYS`` is the platform's one yellow threshold (亮灯预警, 000 §18): the stage service
puts it into every clock fact it publishes, so every reader shows the light the stage computed.
``OVERALL_CAP_DAYS`` is the whole flow's cap (001 §8).
"""
from nameko.extensions import DependencyProvider


class ClockSettings:
    def __init__(self, yellow_days, overall_cap_days):
        self.yellow_days = yellow_days
        self.overall_cap_days = overall_cap_days


class Settings(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.settings = ClockSettings(int(config.get("LIGHT_YELLOW_DAYS", 2)),
                                      int(config.get("OVERALL_CAP_DAYS", 59)))

    def get_dependency(self, worker_ctx):
        return self.settings
