"""The legal clock's settings as the stage service's workers see them (its ``config.yml``).

``LIGHT_YELLOW_DAYS`` is the platform's one yellow threshold (亮灯预警, 000 §18): the stage service
puts it into every clock fact it publishes, so every reader shows the light the stage computed.
``OVERALL_CAP_DAYS`` is the whole flow's cap (001 §8).
"""
from pathlib import Path

import yaml
from nameko.extensions import DependencyProvider

CONFIG_FILE = Path(__file__).resolve().parents[1] / "config.yml"
DEFAULT_YELLOW_DAYS = 2


class ClockSettings:
    def __init__(self, yellow_days, overall_cap_days):
        self.yellow_days = yellow_days
        self.overall_cap_days = overall_cap_days


class Settings(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.settings = ClockSettings(int(config.get("LIGHT_YELLOW_DAYS", DEFAULT_YELLOW_DAYS)),
                                      int(config.get("OVERALL_CAP_DAYS", 59)))

    def get_dependency(self, worker_ctx):
        return self.settings


def configured_yellow_days(path=CONFIG_FILE):
    """``LIGHT_YELLOW_DAYS`` of the service's ``config.yml``, for tools run outside nameko (the
    calendar file loader), so they publish the same facts as the service."""
    try:
        value = yaml.safe_load(Path(path).read_text(encoding="utf-8")).get("LIGHT_YELLOW_DAYS")
        return int(value)
    except (OSError, AttributeError, TypeError, ValueError):
        return DEFAULT_YELLOW_DAYS
