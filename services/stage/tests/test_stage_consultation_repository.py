"""The consultations on cases in PostgreSQL (stage.adapters.repositories.ConsultationRepository):
each fact kept once, in any order, and the state read back as the domain states it."""
from datetime import date

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from stage.adapters.repositories import ConsultationRepository
from stage.domain.consultation import CaseConsultation


@pytest.fixture
def session(postgres):
    engine = create_engine(postgres.fresh("stage"))
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_facts_are_kept_once_in_any_order(session):
    repository = ConsultationRepository(session)
    assert repository.of_case("case-1") == []
    assert repository.add_answers("cons-1", ["FIRE"], "replied", "e-1") is True
    assert repository.add_answers("cons-1", ["FIRE", "CAD"], "no_opinion", "e-2") is True   # CAD only
    assert repository.add_answers("cons-1", ["FIRE"], "no_opinion", "e-3") is False
    opened = CaseConsultation(id="cons-1", case_id="case-1", asked_by="NRP", asked_of=("FIRE", "CAD", "EEB"),
                              question="请提出意见", region="410800", due_on=date(2026, 6, 8))
    assert repository.add_opened(opened, "e-0") is True
    assert repository.add_opened(opened, "e-0") is False
    [found] = repository.of_case("case-1")
    assert (found.open, found.outstanding(), found.region, found.due_on) == (True, ["EEB"], "410800", date(2026, 6, 8))
    assert repository.add_closure("cons-1", date(2026, 6, 9), "nrp-1", "e-4") is True
    assert repository.add_closure("cons-1", date(2026, 6, 10), "nrp-1", "e-5") is False
    [found] = repository.of_case("case-1")
    assert (found.open, found.closed_on) == (False, date(2026, 6, 9))
