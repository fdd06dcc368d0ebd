"""Browser tests of the web front end: the built pages, served by the gateway of a whole running
platform (real RabbitMQ and PostgreSQL), driven by Playwright in the system's Chromium.

This folder runs in its own pytest process without eventlet (Playwright's synchronous API and
eventlet's monkey patching do not mix): ``scripts/run-tests`` runs it after the main suite with
``--confcutdir=tests/web -p no:pytest_nameko``.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

import platforms  # noqa: E402
from launcher import DEMO_PASSWORD  # noqa: E402
from platform_kit.testing import release_session_databases, session_databases  # noqa: E402

WEB = ROOT / "web"
DIST = WEB / "dist"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
expect.set_options(timeout=15_000)


def chromium_path():
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: scripts/ensure-infra.sh installs Debian's chromium package "
                "(or set CHROMIUM to a Chromium binary)")


@pytest.fixture(scope="session")
def web_dist():
    """The built front end (scripts/build-web builds it when its sources changed)."""
    subprocess.run([str(ROOT / "scripts" / "build-web")], check=True)
    assert (DIST / "index.html").is_file()
    return DIST


@pytest.fixture(scope="session")
def postgres():
    return session_databases()


def pytest_sessionfinish(session):
    release_session_databases()


@pytest.fixture(scope="session")
def web_platform(postgres, tmp_path_factory, web_dist):
    """A whole platform with the demo accounts and catalog, serving the built pages under /web/."""
    with platforms.front_database("web") as front_url, \
            platforms.running_platform(postgres, tmp_path_factory.mktemp("web"), label="web", catalog=True,
                                       front_url=front_url,
                                       extra_env={"GATEWAY_WEB_ROOT": str(web_dist), "OUTBOX_POLL_SECONDS": "0.3",
                                                  "EXCHANGE_POLL_SECONDS": "2"}) as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context_for(browser, web_platform):
    """context_for(width=1366, height=768) -> a fresh browser context (its own session) on the portal."""
    made = []

    def make(width=1366, height=768, **options):
        context = browser.new_context(base_url=web_platform.url, viewport={"width": width, "height": height},
                                      locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True,
                                      **options)
        context.set_default_timeout(15_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(context_for):
    return context_for().new_page()


def login(page, account, platform, password=DEMO_PASSWORD):
    """Log in through the login page as the holder would; operators and department administrators
    type the current code of their authenticator (the demo secrets the platform seeded)."""
    page.goto("/web/login")
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码", exact=True).fill(password)
    secret = platform.totp_secrets().get(account)
    if secret:
        page.get_by_label("动态验证码").fill(current_totp_code(platform, account, secret))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def choose(page, label, option, within=None):
    """Picks an Element Plus select's option as a person does: a click on the select, then on the
    option in the list it opened. A form whose lists are still loading lies under a mask that takes
    the click, so the click waits for the mask to go; it is repeated while the list has not opened."""
    field = (within or page).get_by_label(label, exact=True)
    expect(field.locator("xpath=ancestor::*[div[contains(concat(' ', @class, ' '), ' el-loading-mask ')]]")
           ).to_have_count(0)
    select = (within or page).locator(".el-select__wrapper").filter(has=page.get_by_label(label, exact=True))
    for _ in range(3):
        if field.get_attribute("aria-expanded") != "true":
            select.click()
        try:
            expect(field).to_have_attribute("aria-expanded", "true", timeout=5_000)
            break
        except AssertionError:
            continue
    listbox = page.locator(f"[id='{field.get_attribute('aria-controls')}']")
    listbox.get_by_role("option", name=option, exact=True).click()


def current_totp_code(platform, account, secret, step=30):
    """A code of the present time step (not the previous one, as API logins take), so that it is still
    accepted however long the page takes to send it; each step is used once, shared with the
    platform's own logins."""
    import pyotp
    counter = max(int(time.time()) // step, platform.totp_steps.get(account, -1) + 1)
    while counter > int(time.time()) // step + 1:
        time.sleep(1)
    platform.totp_steps[account] = counter
    return pyotp.TOTP(secret).generate_otp(counter)


def screenshot(page, name):
    """Saves the page as docs/screenshots/<name>.png (committed; the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, impact=("critical",)):
    """axe-core's violations of the given impact on the current page (axe-core from web/node_modules).
    axe is evaluated through the browser's debugging protocol, which the pages' content security
    policy (no inline scripts) does not govern, so the pages are checked as they are served."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impact]


def eventually(probe, timeout=30.0, interval=0.5):
    """The answer of `probe` once it is truthy, or its last answer after `timeout` seconds (what a
    page shows follows the declaration by events)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(interval)


def settled(page):
    """No list is still loading and the pointer rests away from the controls (for a clean screenshot)."""
    expect(page.locator(".el-loading-mask")).to_have_count(0)
    page.mouse.move(0, 700)
