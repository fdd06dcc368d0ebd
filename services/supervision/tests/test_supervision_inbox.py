"""Notices and inboxes: who a notice reaches (the domain rule and its SQL agree), de-duplication,
readings recorded per account; against a real RabbitMQ vhost and PostgreSQL database."""
import itertools

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy.orm import sessionmaker

from platform_kit.db import UnitOfWork, make_engine
from platform_kit.errors import NotFound, ValidationFailed
from platform_kit.identity import Identity
from supervision.adapters.orm import metadata
from supervision.domain.notices import Audience, Notice
from supervision.handlers import notices
from supervision.service import SupervisionService

ORG = "91410800MA47Q0R12X"
IDENTITIES = {
    "applicant": Identity(sub="applicant-1", role="applicant", name="建设单位", region="410800", org=ORG),
    "other-applicant": Identity(sub="applicant-2", role="applicant", name="另一单位", region="410800",
                                org="91410800MA00000000"),
    "nrp-officer": Identity(sub="officer-nrp", role="officer", name="规划科员", department="NRP", region="410800"),
    "nrp-head": Identity(sub="admin-nrp", role="dept_admin", name="规划局负责人", department="NRP", region="410800"),
    "county-nrp-officer": Identity(sub="officer-nrp-xw", role="officer", name="修武规划科员", department="NRP",
                                   region="410821"),
    "drc-officer": Identity(sub="officer-drc", role="officer", name="发改科员", department="DRC", region="410800"),
    "city-supervisor": Identity(sub="supervisor-city", role="supervisor", name="市监察", region="410800"),
    "county-supervisor": Identity(sub="supervisor-xw", role="supervisor", name="修武监察", region="410821"),
    "other-county-supervisor": Identity(sub="supervisor-bh", role="supervisor", name="博爱监察", region="410822"),
    "operator": Identity(sub="operator-1", role="operator", name="运营"),
}
AUDIENCES = {
    "applicant": Audience.applicant(ORG),
    "nrp-office": Audience.office("NRP", "410800"),
    "nrp-head": Audience.head("NRP", "410800"),
    "nrp-officers": Audience.officers("NRP", "410800"),
    "county-supervisors": Audience.supervisors("410821"),
    "city-supervisors": Audience.supervisors("410800"),
    "person": Audience.person("officer-nrp"),
    "operators": Audience(role="operator"),
}


@pytest.fixture
def uow_factory(service_config):
    engine = make_engine(service_config("supervision")["DATABASE_URL"])
    sessions = sessionmaker(bind=engine, expire_on_commit=False)

    class Factory:
        def __call__(self):
            return UnitOfWork(sessions(), metadata)

    yield Factory()
    engine.dispose()


def notice(audience, dedupe, **extra):
    return Notice(audience=audience, kind=extra.pop("kind", "urge"), title=extra.pop("title", "请尽快办理"),
                  body="办件即将到期", dedupe=dedupe, project_code="2026-410800-48-01-000007", **extra)


def test_the_inbox_query_reaches_exactly_whom_the_rule_says(uow_factory):
    uow = uow_factory()
    for name, audience in AUDIENCES.items():
        notices.deliver(uow, notice(audience, f"fact-{name}", title=name))
    uow.session.commit()
    for who, identity in IDENTITIES.items():
        got = {item["title"] for item in notices.list_inbox(uow, identity, {"limit": 50, "offset": 0})["items"]}
        expected = {name for name, audience in AUDIENCES.items() if audience.reaches(identity)}
        assert got == expected, who
    # the rule itself, spelled out for the cases that matter
    reach = {who: {name for name, a in AUDIENCES.items() if a.reaches(i)} for who, i in IDENTITIES.items()}
    assert reach["applicant"] == {"applicant"} and reach["other-applicant"] == set()
    assert reach["nrp-officer"] == {"nrp-office", "nrp-officers", "person"}
    assert reach["nrp-head"] == {"nrp-office", "nrp-head"}
    assert reach["county-nrp-officer"] == set() and reach["drc-officer"] == set()
    assert reach["city-supervisor"] == {"county-supervisors", "city-supervisors"}
    assert reach["county-supervisor"] == {"county-supervisors"} and reach["other-county-supervisor"] == set()
    assert reach["operator"] == {"operators"}
    uow.session.close()


def test_the_same_fact_to_the_same_audience_is_one_notice(uow_factory):
    uow = uow_factory()
    first, created = notices.deliver(uow, notice(AUDIENCES["nrp-office"], "escalation:case-1:yellow"))
    again, created_again = notices.deliver(uow, notice(AUDIENCES["nrp-office"], "escalation:case-1:yellow"))
    other, created_other = notices.deliver(uow, notice(AUDIENCES["nrp-head"], "escalation:case-1:yellow"))
    uow.session.commit()
    assert created and not created_again and created_other
    assert again.notification_id == first.notification_id != other.notification_id
    assert notices.list_inbox(uow, IDENTITIES["nrp-officer"], {"limit": 50, "offset": 0})["total"] == 1
    uow.session.close()


def test_a_notice_needs_an_audience_a_known_kind_and_a_title():
    with pytest.raises(ValidationFailed):
        Audience()
    with pytest.raises(ValidationFailed) as err:
        Notice(audience=Audience.person("x"), kind="gossip", title=" ", body="", dedupe="d", urgency="now")
    assert {e["field"] for e in err.value.errors} == {"kind", "title", "urgency"}


def test_readings_are_recorded_per_account_through_the_service(container_factory, service_config, make_token,
                                                                uow_factory):
    config = service_config("supervision")
    container_factory(SupervisionService, config).start()
    engine = make_engine(config["DATABASE_URL"])
    uow = UnitOfWork(sessionmaker(bind=engine, expire_on_commit=False)(), metadata)
    ids = [notices.deliver(uow, notice(AUDIENCES["nrp-office"], f"urge-{n}", kind=kind,
                                       urgency=urgency))[0].notification_id
           for n, (kind, urgency) in enumerate(itertools.islice(itertools.cycle(
               [("urge", "urgent"), ("reminder", "normal")]), 3))]
    secret = notices.deliver(uow, notice(AUDIENCES["applicant"], "voucher-1", kind="document"))[0]
    uow.session.commit()
    officer = make_token("officer", sub="officer-nrp", department="NRP", region="410800")
    colleague = make_token("officer", sub="officer-nrp-2", department="NRP", region="410800")
    with ServiceRpcProxy("supervision", config, context_data={"authorization": officer}, timeout=10) as proxy:
        assert proxy.inbox_counts() == {"unread": 3, "by_kind": {"urge": 2, "reminder": 1}}
        first = proxy.read_notice(ids[0])
        assert first["read_at"] is not None
        assert proxy.read_notice(ids[0])["read_at"] == first["read_at"]     # the first reading counts
        assert proxy.inbox_counts() == {"unread": 2, "by_kind": {"urge": 1, "reminder": 1}}
        unread = proxy.list_inbox({"unread": "true"})
        assert unread["total"] == 2 and ids[0] not in {i["notification_id"] for i in unread["items"]}
        assert proxy.list_inbox({"kind": "reminder"})["total"] == 1
        with pytest.raises(NotFound):
            proxy.read_notice(secret.notification_id)      # not theirs: as if it did not exist
        with pytest.raises(ValidationFailed):
            proxy.list_inbox({"kind": "gossip"})
    with ServiceRpcProxy("supervision", config, context_data={"authorization": colleague}, timeout=10) as proxy:
        assert proxy.inbox_counts()["unread"] == 3           # a colleague's reading is their own
    assert notices.readers(uow, [ids[0]])[ids[0]][0]["account"] == "officer-nrp"
    uow.session.close()
    engine.dispose()
