"""Browser tests: the real app on a free port, driven by Debian's headless Chromium through
Playwright (its own browser downloads are never used). One browser per session; each test
has its own station, database and browser context.

Every page a test visits can be saved at desktop and phone width (`Visit.snap`), under
`var/test-output/screenshots/` (kept after the run, unlike pytest's temporary folders),
and checked there: no sideways scrolling at 375 px, axe-core's WCAG 2.1 A/AA and
best-practice rules (axe-core as the axe-playwright-python package bundles it), and the
smoke check of `a11y.js` (labels on inputs, headings in order, text contrast, alt text,
the page's language).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.web.conftest import Api, serve

CHROMIUM = Path("/usr/bin/chromium")
A11Y = (Path(__file__).parent / "a11y.js").read_text(encoding="utf-8")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _missing() -> str | None:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        return f"Chromium is missing ({CHROMIUM}; Debian package chromium: make system-test)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is missing (Playwright, axe-core: pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, for the whole session. Missing: the test fails (the
    browser tier is never skipped)."""
    why = _missing()
    if why is not None:
        pytest.fail(why, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """`var/test-output/screenshots/` of the repository, emptied at the session's start."""
    folder = REPO / "var" / "test-output" / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def site(station_dir: Path) -> Iterator[Api]:
    """The app on SQLite: operator `dara`, organiser `sokha`."""
    yield from serve(station_dir, f"sqlite:///{station_dir / 'var' / 'broadcaster.db'}")


@dataclass
class Visit:
    """One person's browser (a context of the shared Chromium) on the running app."""

    page: Any
    url: str
    folder: Path
    shots: list[Path] = field(default_factory=list)

    def go(self, path: str) -> None:
        response = self.page.goto(self.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)

    def sign_in(self, token: str) -> None:
        self.go("/login")
        self.page.get_by_label("Token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.url + "/")

    def text(self, selector: str = "body") -> str:
        return str(self.page.inner_text(selector))

    def snap(self, name: str) -> None:
        """Screenshots at desktop and phone width; at each, no sideways scrolling and the
        accessibility smoke check passes."""
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            self.page.evaluate("document.fonts.ready.then(() => true)")
            wide = self.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert wide <= 0, f"{name} scrolls sideways by {wide} px at {size['width']} px"
            problems = self.page.evaluate(A11Y)
            assert problems == [], f"{name} at {label}: " + json.dumps(problems, ensure_ascii=False)
            found = axe_violations(self.page)
            assert found == [], f"{name} at {label}, axe-core: " + "; ".join(found)
            path = self.folder / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}-{label}.png"
            self.page.screenshot(path=str(path), full_page=True)
            self.shots.append(path)
        self.page.set_viewport_size(DESKTOP)


def axe_violations(page: Any) -> list[str]:
    """axe-core's (bundled by axe-playwright-python) WCAG 2.1 A/AA and best-practice rules,
    run in the page: each violation as `rule: where`."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": AXE_TAGS, "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in results.response["violations"]
    ]


@contextmanager
def browser_for(chromium: Any, url: str, screenshots: Path) -> Iterator[Visit]:
    """One person's browser: a fresh context (its own cookies) of the shared Chromium."""
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True, locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        yield Visit(context.new_page(), url, screenshots)
    finally:
        context.close()


@pytest.fixture
def visit(chromium: Any, site: Api, screenshots: Path) -> Iterator[Visit]:
    with browser_for(chromium, site.url, screenshots) as person:
        yield person


@pytest.fixture
def any_site(db_url: str, station_dir: Path) -> Iterator[Api]:
    """The app on each database (SQLite and PostgreSQL)."""
    yield from serve(station_dir, db_url)
