from gateway.tables import metadata
from platform_kit.migrate import run_env

run_env(metadata)
