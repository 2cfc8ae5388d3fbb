"""`broadcaster callin ...` as an operator types it: exit codes, messages, the queue."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def test_calls_taken_by_hand_are_screened_from_the_queue(station_dir: Path) -> None:
    env = {"CALLER_HASH_KEY": "cli-test-key"}

    def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        done = run_cli(*args, env=env, cwd=station_dir, input=stdin)
        return done.returncode, done.stdout, done.stderr

    assert cli("init")[0] == 0
    code, out, _ = cli("callin", "add", "--province", "srp", "--phone", "-", "--json",
                       stdin="012 345 678\n")  # fmt: skip
    first = json.loads(out)
    assert code == 0 and first["province"] == "SRP" and first["repeat_caller"] is False
    code, out, _ = cli("callin", "add", "--province", "unknown", "--phone", "+85512345678",
                       "--topic", "=HYPERLINK(1)", "--json")  # fmt: skip
    second = json.loads(out)
    assert second["province"] == "unknown" and second["repeat_caller"] is True
    assert "345" not in out

    for args, field in [
        (("callin", "add", "--province", "ATLANTIS"), "--province"),
        (("callin", "add", "--province", "PNH", "--phone", "call me"), "--phone"),
        (("callin", "add", "--province", "PNH", "--slot", "77"), "--slot"),
        (("callin", "screen", str(first["id"]), "--state", "later"), "--state"),
        (("callin", "screen", "999", "--state", "done"), "id"),
        (("callin", "list", "--state", "soon"), "--state"),
    ]:
        code, _, err = cli(*args)
        assert code == 2 and err.startswith(f"error: {field}: "), (args, err)
        assert "call me" not in err

    assert cli("callin", "screen", str(second["id"]), "--state", "on_air")[0] == 0
    queue = json.loads(cli("callin", "list", "--json")[1])
    assert [(c["id"], c["state"]) for c in queue] == [
        (first["id"], "waiting"),
        (second["id"], "on_air"),
    ]
    assert cli("callin", "screen", str(first["id"]), "--state", "dropped")[0] == 0
    assert [c["id"] for c in json.loads(cli("callin", "list", "--json")[1])] == [second["id"]]
    table = cli("callin", "list", "--state", "all")[1]
    assert "dropped" in table and "on_air" in table

    csv = cli("report", "callins", "--format", "csv")[1]
    assert csv.startswith("\ufeffkey,name,calls,callers,repeat_callers,on_air,dropped,comments")
    assert "SRP,Siem Reap,1,1,0,0,1," in csv and "unknown,Unknown,1,0,1,1,0," in csv
    assert "HYPERLINK" not in csv  # topics are never in a report
    code, out, _ = cli("callin", "purge")
    assert code == 0 and "Erased the caller hash of 0 call(s) older than 90 day(s)" in out
