"""Schemathesis against `/openapi.json` with an operator's token: every route, no 5xx,
no response that breaks its schema."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import add_episode_row
from tests.web.conftest import Api
from tests.web.helpers import later, tone

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)


def test_schemathesis_finds_no_server_error_and_no_schema_break(api: Api) -> None:
    episode = add_episode_row(api.station, "Dialogue", seconds=900)
    made = api.op("POST", "/api/slots", json={"episode_id": episode, "start": later(10)})
    assert made.status_code == 201
    audio = tone(api.folder, 2)
    job = api.op(
        "POST", "/api/episodes", files={"file": ("a.mp3", audio.read_bytes())},
        data={"title": "Seed"},
    )  # fmt: skip
    assert job.status_code == 202
    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [
            str(st),
            "run",
            f"{api.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {api.operator}",
            "--checks",
            CHECKS,
            "--max-examples",
            "40",
            "--seed",
            "20261129",
            "--request-timeout",
            "60",
            "--no-color",
        ],
        cwd=api.folder,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    assert "19 selected / 19 total" in report, report[-3000:]
