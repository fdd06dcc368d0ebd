"""The web front end says what the services say: the same Chinese names for states and stages, and
every page it routes to is a real page."""
import re
from pathlib import Path

from intake.domain.catalog import STAGE_NAMES
from platform_kit import states
from platform_kit.contracts import STAGES
from platform_kit.wire.intake import DOCUMENT_KINDS
from platform_kit.wire.stage import CASE_ACTIONS

WEB = Path(__file__).resolve().parents[1] / "web" / "src"


def labels(name):
    """The entries of `export const <name> = { key: '…', … }` in web/src/labels.ts."""
    text = (WEB / "labels.ts").read_text(encoding="utf-8")
    body = re.search(rf"export const {name}[^=]*= \{{(.*?)\n?\}}", text, re.S).group(1)
    return dict(re.findall(r"(\w+): '([^']*)'", body))


def test_state_and_stage_names_are_the_services():
    assert labels("CASE_STATE_LABELS") == states.CASE_STATE_LABELS
    assert labels("STAGE_STATE_LABELS") == states.STAGE_STATE_LABELS
    assert labels("STAGE_LABELS") == STAGE_NAMES
    assert list(labels("STAGE_LABELS")) == list(STAGES)


def test_every_action_and_document_kind_has_a_chinese_name():
    assert set(labels("ACTION_LABELS")) == set(CASE_ACTIONS)
    assert set(labels("DOCUMENT_KIND_LABELS")) == set(DOCUMENT_KINDS)


def test_every_routed_page_exists_and_is_a_real_page():
    router = (WEB / "router.ts").read_text(encoding="utf-8")
    pages = re.findall(r"import\('\./(pages/[\w/]+\.vue)'\)", router)
    assert len(pages) >= 20
    for page in pages:
        source = (WEB / page).read_text(encoding="utf-8")
        assert "data-placeholder" not in source, f"{page} is still a placeholder"
        assert "<script" in source or page.endswith("NotFoundPage.vue"), page


def test_every_notice_kind_has_the_services_chinese_name():
    from platform_kit.notices import KIND_NAMES, URGENCY_NAMES
    assert labels("NOTICE_KIND_LABELS") == KIND_NAMES
    assert labels("URGENCY_LABELS") == URGENCY_NAMES
