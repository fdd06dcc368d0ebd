"""The database engine every service uses, on real PostgreSQL."""
import pytest
from sqlalchemy import text

from platform_kit.db import make_engine
from platform_kit.errors import ValidationFailed


def test_a_nul_in_a_bare_argument_is_a_validation_error(postgres):
    engine = make_engine(postgres.blank("nul"))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT :v"), {"v": "2026-410800-48-01-000001"}).scalar() \
                == "2026-410800-48-01-000001"
            with pytest.raises(ValidationFailed) as refused:
                conn.execute(text("SELECT :v"), {"v": "abc\x00"})
        assert refused.value.status == 422
    finally:
        engine.dispose()
