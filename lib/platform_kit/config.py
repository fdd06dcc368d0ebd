"""Service configuration: each service's ``config.yml``, with ``${VAR:default}`` from the environment.

``nameko run --config services/<svc>/config.yml`` reads the same file through the same parser;
tests and scripts call :func:`load_service_config` and may override keys.
"""
import os
from pathlib import Path

import yaml
from nameko.cli.main import setup_yaml_parser

from platform_kit.migrate import service_root


def load_service_config(service, **overrides):
    setup_yaml_parser()
    path = service_root(service) / "config.yml"
    with open(path) as fh:
        config = yaml.safe_load(fh)
    config.update(overrides)
    return config


def env(name, default=None):
    return os.environ.get(name, default)


def repo_root():
    return Path(__file__).resolve().parents[2]
