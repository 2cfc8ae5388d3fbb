"""What a run proved: tests counted per tier, and no silent skips where every tier is required.

Tiers: `unit` (no database, no server), `sqlite` (a database test on SQLite), `postgresql`,
`integration` (real icecast2 / nginx-rtmp / ffmpeg servers), `browser` (headless Chromium).
`make test` passes `--all-tiers` (and CI sets `$CI`): then a test that would skip because a
real component is missing fails instead, naming it, and any skip at all fails the run.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

TIERS = ("unit", "sqlite", "postgresql", "integration", "browser")
_KEY = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all-tiers",
        action="store_true",
        default=False,
        help="every tier must run: a missing component or any skip fails the run",
    )


def all_tiers_required(config: pytest.Config) -> bool:
    return bool(config.getoption("--all-tiers") or os.environ.get("CI"))


def tier_of(item: pytest.Item) -> str:
    if item.get_closest_marker("browser"):
        return "browser"
    if item.get_closest_marker("integration"):
        return "integration"
    if item.get_closest_marker("postgres"):
        return "postgresql"
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("db_url") == "sqlite":
        return "sqlite"
    uses = set(getattr(item, "fixturenames", ()))
    if uses & {"station", "settings", "station_dir"}:
        return "sqlite"
    return "unit"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.stash[_KEY] = tier_of(item)


class _Tally:
    def __init__(self) -> None:
        self.passed: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.skipped: list[tuple[str, str]] = []


_tally = _Tally()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tier = getattr(report, "tier", None) or "unit"
    if report.skipped and report.when in ("setup", "call"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _tally.skipped.append((report.nodeid, str(reason)))
    elif report.failed:
        _tally.failed[tier] += 1
    elif report.passed and report.when == "call":
        _tally.passed[tier] += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    outcome.get_result().tier = item.stash.get(_KEY, "unit")


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    write = terminalreporter.write_line
    terminalreporter.section("tiers")
    for tier in TIERS:
        failed = f", {_tally.failed[tier]} failed" if _tally.failed[tier] else ""
        write(f"{tier:<12} {_tally.passed[tier]:>4} passed{failed}")
    write(f"{'skipped':<12} {len(_tally.skipped):>4}")
    if _tally.skipped and all_tiers_required(config):
        write("Every tier is required (--all-tiers): these skipped, so the run fails:", red=True)
        for nodeid, reason in _tally.skipped:
            write(f"  {nodeid}: {reason}", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _tally.skipped and all_tiers_required(session.config) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
