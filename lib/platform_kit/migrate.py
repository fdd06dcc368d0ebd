"""Database migrations (Alembic), one migration history per service.

``platform-migrate <service> [<service> ...] [--url URL]`` upgrades each named service's database
to head; a service is any installed package with a ``migrations/`` folder inside it or beside it.
Each service's ``migrations/env.py`` calls :func:`run_env` with its own metadata.
"""
import argparse
import importlib
import os
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import pool

def service_root(service):
    """The folder holding `service`'s ``migrations/``: the package's own folder or its parent."""
    package = Path(importlib.import_module(service).__file__).resolve().parent
    return package if (package / "migrations" / "env.py").is_file() else package.parent


def default_url(service):
    return os.environ.get(f"{service.upper()}_DATABASE_URL") or f"sqlite:///var/{service}.db"


def alembic_config(service, url):
    cfg = Config()
    cfg.set_main_option("script_location", str(service_root(service) / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(service, url):
    """Upgrade `service`'s database at `url` to head.

    On PostgreSQL the upgrade holds an advisory lock named after the service, so replicas that
    start together (several pods, each migrating before it serves) run the migrations once, one
    after the other, instead of racing on the same DDL.
    """
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        command.upgrade(alembic_config(service, url), "head")
        return
    from sqlalchemy import create_engine, text
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": f"migrate:{service}"})
            try:
                command.upgrade(alembic_config(service, url), "head")
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": f"migrate:{service}"})
    finally:
        engine.dispose()


def run_env(metadata):
    """Body of every service's migrations/env.py."""
    from sqlalchemy import create_engine
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Upgrade a service database to the latest schema.")
    parser.add_argument("services", nargs="+", metavar="service")
    parser.add_argument("--url", help="database URL (default: <SERVICE>_DATABASE_URL or var/<service>.db)")
    args = parser.parse_args(argv)
    if args.url and len(args.services) > 1:
        parser.error("--url names one database: give one service with it")
    for service in args.services:
        try:
            root = service_root(service)
        except ImportError:
            parser.error(f"{service}: no such service package")
        if not (root / "migrations").is_dir():
            parser.error(f"{service}: has no migrations")
        url = args.url or default_url(service)
        upgrade(service, url)
        print(f"{service}: migrated")


if __name__ == "__main__":
    main()
