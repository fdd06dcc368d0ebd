"""Every database migrated to head on PostgreSQL matches the tables its code maps.

A model changed without a migration (or a migration that drifts from the model) fails here, so
`platform-migrate` always gives each service exactly the schema it runs against.
"""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

MODELS = {
    "intake": "intake.adapters.orm",
    "stage": "stage.adapters.orm",
    "consult": "consult.adapters.orm",
    "certificate": "certificate.adapters.orm",
    "supervision": "supervision.adapters.orm",
    "gateway": "gateway.tables",
}


@pytest.mark.parametrize("service", sorted(MODELS))
def test_migrated_schema_matches_the_model(postgres, service):
    metadata = importlib.import_module(MODELS[service]).metadata
    engine = create_engine(postgres.fresh(service))
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert differences == []
