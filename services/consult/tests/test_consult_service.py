"""The consult service against a real RabbitMQ vhost and a real PostgreSQL database."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from consult.service import ConsultService
from platform_kit.bus import event_handler
from test_consult_deadline import catalog_loaded
from platform_kit.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed


class Listener:
    name = "listener"
    seen = []

    @event_handler("consult", "consultation.opened")
    def on_opened(self, envelope):
        self.seen.append(envelope)


@pytest.fixture
def consult(container_factory, service_config):
    config = service_config("consult")
    container = container_factory(ConsultService, config)
    container.start()
    catalog_loaded(config, container)
    return config


def rpc(config, token):
    return ServiceRpcProxy("consult", config, context_data={"authorization": token}, timeout=10)


def test_open_and_reply_publishes_event(consult, container_factory, make_token):
    listener = container_factory(Listener, consult)
    listener.start()
    planning = make_token("officer", sub="officer-planning", department="NRP", steps=["accept"])
    fire = make_token("officer", sub="officer-fire", department="FIRE")
    with entrypoint_waiter(listener, "on_opened", timeout=10):
        with rpc(consult, planning) as proxy:
            opened = proxy.open_consultation({"project_code": "2026-410800-48-01-000001",
                                              "asked_of": ["FIRE"], "question": "消防通道是否满足要求？",
                                              "due_days": 3})
    assert opened["status"] == "open" and opened["consultation_id"] == opened["id"]
    assert Listener.seen[-1].payload["consultation_id"] == opened["id"]
    assert Listener.seen[-1].actor.id == "officer-planning"

    with rpc(consult, fire) as proxy:
        replied = proxy.reply_to_consultation(opened["id"], {"kind": "agree", "opinion": "同意"})
        assert replied["status"] == "answered"
        with pytest.raises(Conflict):
            proxy.reply_to_consultation(opened["id"], {"kind": "disagree", "opinion": "改主意了"})
    with rpc(consult, planning) as proxy:
        with pytest.raises(Forbidden):
            proxy.reply_to_consultation(opened["id"], {"kind": "agree", "opinion": "自问自答"})


def test_bad_input_and_missing_identity(consult, make_token):
    with rpc(consult, make_token("officer", department="NRP")) as proxy:
        with pytest.raises(ValidationFailed) as err:
            proxy.open_consultation({"project_code": "X", "asked_of": [], "question": "", "due_days": 0})
        fields = {e["field"] for e in err.value.errors}
        assert {"question", "due_days"} <= fields
    with rpc(consult, None) as proxy:
        with pytest.raises(Unauthenticated):
            proxy.get_consultation("nope")
    with rpc(consult, make_token("applicant", org="91410800MA00000001")) as proxy:
        with pytest.raises(Exception) as err:
            proxy.get_consultation("nope")
        assert type(err.value).__name__ == "Forbidden"
