"""Nobody may find out who called: the acceptance run of the call-ins issue, end to end.

The daemon (`broadcaster run`, with its API) is started as an operator starts it; the
gateway's deliveries (good, bad, retried, 200 calls from 50 numbers in varied forms) go
over real HTTP; operators add calls by hand; every report and export is taken. Then every
form of every number, and its digits alone, is searched for byte by byte in the database
file with its WAL (or a PostgreSQL dump), the daemon's stdout and stderr, and every output
kept: none is found. `callin purge` with a retention of 0 days then leaves no hash, and
the report's counts do not change.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.callins.numbers import formatted, needles
from tests.conftest import REPO, run_cli

GATEWAY = "gw_privacy_test_token"
KEY = "privacy-test-caller-key"
CALLERS = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(folder: Path, port: int, retention_days: int) -> None:
    (folder / "broadcaster.toml").write_text(
        f'[web]\nlisten = "127.0.0.1:{port}"\n\n[callins]\nretention_days = {retention_days}\n',
        encoding="utf-8",
    )


def wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the daemon exited"
        try:
            if requests.get(url + "/api/health", timeout=2).status_code in (200, 503):
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("the daemon's API never answered")


def delivery(n: int, number: str, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return {"delivery_id": f"priv-{n}", "from": number, "at": now, **extra}


def test_no_number_is_found_anywhere_and_purge_keeps_the_counts(
    db_url: str, station_dir: Path
) -> None:
    folder, port = station_dir, free_port()
    write_config(folder, port, retention_days=90)
    env = {"BROADCASTER_DB": db_url, "CALLIN_WEBHOOK_TOKEN": GATEWAY, "CALLER_HASH_KEY": KEY}
    outputs = folder / "outputs"
    outputs.mkdir()
    kept: list[Path] = []

    def keep(name: str, content: str | bytes) -> None:
        path = outputs / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        kept.append(path)

    def cli(*args: str, code: int = 0) -> str:
        done = run_cli(*args, env=env, cwd=folder)
        keep(f"cli-{len(kept):03d}.out", done.stdout)
        keep(f"cli-{len(kept):03d}.err", done.stderr)
        assert done.returncode == code, (args, done.stdout, done.stderr)
        return done.stdout

    assert cli("init")
    operator = cli("user", "add", "dara", "--role", "operator").strip()
    organiser = cli("user", "add", "sokha", "--role", "organiser").strip()
    exe = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "broadcaster"
    daemon_env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    stdout, stderr = (folder / "daemon.out").open("wb"), (folder / "daemon.err").open("wb")
    daemon = subprocess.Popen(
        [str(exe), "run"], cwd=folder, env={**daemon_env, **env}, stdout=stdout, stderr=stderr
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, daemon)
        hook = url + "/api/callins"
        gateway = {"Authorization": f"Bearer {GATEWAY}"}
        first = formatted(0, 0)
        refused = [
            requests.post(hook, json=delivery(0, first), timeout=10),
            requests.post(hook, json=delivery(0, first), headers={"Authorization": "Bearer no"}),
            requests.post(hook, data='{"from": "' + first, headers=gateway, timeout=10),
            requests.post(
                hook,
                json={"delivery_id": "x", "at": "2026-11-29T10:00:00Z"},
                headers=gateway,
                timeout=10,
            ),
            requests.post(hook, json=delivery(0, first, province="ZZZ"), headers=gateway),
            requests.post(hook, json=delivery(0, first, topic="t" * 20_000), headers=gateway),
            requests.post(hook, json=delivery(0, first + " ext 9"), headers=gateway),
        ]
        assert [r.status_code for r in refused] == [401, 401, 400, 422, 422, 413, 422]
        for r in refused:
            keep(f"refused-{len(kept):03d}.json", r.content)

        again = [requests.post(hook, json=delivery(1000, first), headers=gateway, timeout=10)
                 for _ in range(3)]  # fmt: skip
        assert [r.status_code for r in again] == [201, 200, 200]
        assert len({r.json()["id"] for r in again}) == 1
        for i in range(200):
            number = formatted(i % CALLERS, i // CALLERS + i % 2)
            body = delivery(i, number, province=("PNH", "SRP", None, "btb")[i % 4])
            answer = requests.post(hook, json=body, headers=gateway, timeout=10)
            assert answer.status_code == 201, answer.text
            keep(f"call-{i:03d}.json", answer.content)

        cli("callin", "add", "--province", "KDL", "--phone", formatted(7, 4), "--json")
        cli("callin", "add", "--province", "PNH", "--phone", formatted(8, 5), "--topic", "land")
        cli("callin", "add", "--province", "PNH", "--phone", formatted(9, 1) + "x", code=2)
        cli("callin", "screen", "3", "--state", "on_air")
        cli("callin", "list", "--state", "all")
        cli("callin", "list", "--json")
        for by, fmt in (("province", "table"), ("province", "csv"), ("episode", "json"),
                        ("slot", "csv")):  # fmt: skip
            cli("report", "callins", "--by", by, "--format", fmt)
        cli("schedule", "export", "--format", "csv")
        for who, path in (
            (operator, "/api/callins?state=all&limit=1000"),
            (organiser, "/api/reports/callins"),
            (organiser, "/api/reports/callins?by=slot"),
            (organiser, "/metrics"),
        ):
            got = requests.get(url + path, headers={"Authorization": f"Bearer {who}"}, timeout=10)
            assert got.status_code == 200, got.text
            keep(f"api-{len(kept):03d}", got.content)

        report = json.loads(cli("report", "callins", "--format", "json"))
        assert sum(r["calls"] for r in report) == 1 + 200 + 2
        assert sum(r["callers"] for r in report) == CALLERS  # the hand-taken calls: 2 of them
        database = database_bytes(db_url, folder)  # the WAL while the daemon holds it
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
        stdout.close()
        stderr.close()
    assert daemon.returncode == 0, (folder / "daemon.err").read_text()[-3000:]

    haystacks = {p.name: p.read_bytes() for p in kept}
    haystacks |= {f"{n} (after stop)": b for n, b in database_bytes(db_url, folder).items()}
    haystacks |= database
    for name in ("daemon.out", "daemon.err"):
        haystacks[name] = (folder / name).read_bytes()
    assert any(len(v) > 10_000 for k, v in database.items()), database.keys()

    def found_in(blobs: dict[str, bytes]) -> list[tuple[str, str]]:
        return [
            (needle, where)
            for i in range(CALLERS)
            for needle in needles(i)
            for where, blob in blobs.items()
            if needle.encode() in blob
        ]

    assert found_in({"control": b"..." + formatted(3, 2).encode()}) != []  # the search works
    assert found_in(haystacks) == []

    write_config(folder, port, retention_days=0)
    assert "Erased the caller hash of 203 call(s)" in cli("callin", "purge")
    assert json.loads(cli("report", "callins", "--format", "json")) == report
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM callins WHERE caller_hash IS NOT NULL")) == 0
        assert conn.scalar(text("SELECT count(*) FROM callins")) == 203
    engine.dispose()


def database_bytes(db_url: str, folder: Path) -> dict[str, bytes]:
    """The SQLite file with its WAL and shared memory, or a dump of the PostgreSQL one."""
    url = make_url(db_url)
    if url.drivername.startswith("sqlite"):
        base = Path(str(url.database))
        return {p.name: p.read_bytes() for p in base.parent.glob(base.name + "*")}
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(["pg_dump", "--no-owner", plain], capture_output=True, check=True)
    return {"pg_dump": dump.stdout}
