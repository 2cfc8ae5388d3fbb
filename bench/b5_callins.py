"""B5: the call-in webhook under load, from another process on loopback.

`broadcaster web` is started as a user starts it (SQLite under a temporary folder, the
webhook and caller-hash keys in its environment). A load process sends deliveries at a
fixed rate (open loop: each request's latency counts from the moment it was due, so a
slow server cannot hide its queue) over keep-alive connections for `SECONDS`, about one
in twenty a retry of a delivery already answered. Afterwards: calls stored must equal
the 201 answers and the distinct delivery ids answered 2xx (none lost, none doubled).
Baseline in the same run: the same load against a uvicorn app whose handler only
returns 200. The server's CPU time per request is printed beside each (a figure that
does not depend on what else the machine runs, unlike the latency).
Targets (SPEC B5): at least 1,000 accepted a second for 30 s; p99 at most 50 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.verdicts import Verdict, show

RATE = 1100
SECONDS = float(os.environ.get("B5_SECONDS", "30"))
CONNECTIONS = 48
TOKEN = "b5-gateway-token"
BASELINE_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
app = FastAPI()
@app.post("/api/callins")
async def ok(request: Request):
    await request.body()
    return JSONResponse({"id": 1}, status_code=200)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server never listened")


# -- the load process --------------------------------------------------------------------
def number(i: int) -> str:
    """Varied Cambodian forms of 500 callers' numbers."""
    n = 12_000_000 + (i % 500) * 7919
    s = str(n)
    forms = (f"+855 {s[:2]} {s[2:5]} {s[5:]}", f"0{s[:2]} {s[2:5]} {s[5:]}", f"855-{s[:2]}-{s[2:]}")
    return forms[i % 3]


async def _load(port: int, rate: int, seconds: float, out: Path) -> None:
    total = int(rate * seconds)
    start = time.monotonic() + 0.5
    latencies: list[float] = []
    dues: list[float] = []
    codes: dict[int, int] = {}
    answered: dict[str, int] = {}
    sent_ids: list[str] = []
    rnd = random.Random(5)
    pending: asyncio.Queue[tuple[int, float, str, bytes]] = asyncio.Queue()

    def body(i: int, delivery: str) -> bytes:
        at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        data = {
            "delivery_id": delivery, "from": number(i), "at": at,
            "province": ("PNH", "SRP", "BTB", None)[i % 4], "topic": "land rights",
        }  # fmt: skip
        payload = json.dumps(data).encode()
        return (
            b"POST /api/callins HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Authorization: Bearer {TOKEN}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            item = await pending.get()
            if item[0] < 0:
                writer.close()
                return
            _i, due, delivery, request = item
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.monotonic() - due)
            dues.append(due - start)
            codes[status] = codes.get(status, 0) + 1
            if 200 <= status < 300:
                answered[delivery] = status

    workers = [asyncio.create_task(worker()) for _ in range(CONNECTIONS)]
    for i in range(total):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if sent_ids and rnd.random() < 0.05:  # a gateway retrying a delivery
            delivery = rnd.choice(sent_ids[-200:])
            idx = int(delivery.split("-")[1])
        else:
            delivery, idx = f"d-{i}", i
            sent_ids.append(delivery)
        pending.put_nowait((idx, due, delivery, body(idx, delivery)))
    for _ in workers:
        pending.put_nowait((-1, 0.0, "", b""))
    await asyncio.gather(*workers)
    elapsed = time.monotonic() - start
    out.write_text(
        json.dumps(
            {
                "latencies": latencies,
                "dues": dues,
                "codes": codes,
                "elapsed": elapsed,
                "distinct_2xx": len(answered),
                "sent": total,
            }
        )
    )


def load(port: int, rate: int, seconds: float) -> dict[str, Any]:
    """Run the load in a process of its own; its figures."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    subprocess.run(
        [sys.executable, "-m", "bench.b5_callins", "load", str(port), str(rate), str(seconds),
         str(out)],
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def figures(name: str, data: dict[str, Any]) -> tuple[float, float]:
    lat = sorted(data["latencies"])
    p50 = lat[len(lat) // 2] * 1000
    p99 = lat[int(len(lat) * 0.99) - 1] * 1000
    ok = sum(n for c, n in data["codes"].items() if str(c).startswith("2"))
    rate = ok / data["elapsed"]
    slow: dict[int, int] = {}
    for due, latency in zip(data["dues"], data["latencies"], strict=True):
        if latency > 0.05:
            slow[int(due)] = slow.get(int(due), 0) + 1
    if slow:
        print(f"   {name:<9} answers over 50 ms, by second: {dict(sorted(slow.items()))}")
    per_call = data["cpu_s"] / max(1, data["sent"]) * 1e6
    print(
        f"   {name:<9} sent {data['sent']}, answers {data['codes']}, "
        f"{rate:.0f} accepted/s over {data['elapsed']:.1f} s, p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"server CPU {data['cpu_s']:.1f} s ({per_call:.0f} us a request)"
    )
    return rate, p99


def load_server(server: subprocess.Popen[bytes], port: int) -> dict[str, Any]:
    """`load` on `server` once it listens, with the server's CPU seconds meanwhile; the
    server is stopped after."""
    try:
        wait_listening(port, server)
        before = cpu_s(server.pid)
        data = load(port, RATE, SECONDS)
        data["cpu_s"] = cpu_s(server.pid) - before
        return data
    finally:
        server.terminate()
        server.wait(20)


def main() -> list[Verdict]:
    exe = Path(sys.executable).with_name("broadcaster")
    with tempfile.TemporaryDirectory(prefix="b5-") as tmp:
        folder = Path(tmp)
        port = free_port()
        (folder / "broadcaster.toml").write_text(f'[web]\nlisten = "127.0.0.1:{port}"\n')
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")},
            "CALLIN_WEBHOOK_TOKEN": TOKEN,
            "CALLER_HASH_KEY": "b5-caller-key",
        }
        subprocess.run([str(exe), "init"], cwd=folder, env=env, check=True, capture_output=True)
        server = subprocess.Popen([str(exe), "web"], cwd=folder, env=env)
        data = load_server(server, port)
        db = sqlite3.connect(folder / "var" / "broadcaster.db")
        rows = db.execute("select count(*), count(distinct delivery_id) from callins").fetchone()
        db.close()
        rate, p99 = figures("webhook", data)
        created = data["codes"].get("201", 0)
        print(
            f"   stored {rows[0]} calls ({rows[1]} delivery ids); 201 answers {created}; "
            f"distinct delivery ids answered 2xx {data['distinct_2xx']}"
        )
        if not rows[0] == rows[1] == created == data["distinct_2xx"]:
            raise AssertionError("calls lost or doubled: stored rows differ from the 2xx answers")

        base_port = free_port()
        (folder / "baseline.py").write_text(BASELINE_APP)
        baseline = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "baseline:app", "--port", str(base_port),
             "--log-level", "warning", "--no-access-log"],
            cwd=folder,
        )  # fmt: skip
        base = load_server(baseline, base_port)
        figures("baseline", base)
    verdicts = [
        Verdict("B5 webhook calls accepted a second (30 s)", rate, 1000, "/s", at_most=False),
        Verdict("B5 webhook p99 latency", p99, 50, "ms"),
    ]
    show(verdicts)
    return verdicts


if __name__ == "__main__":
    if sys.argv[1:2] == ["load"]:  # the load process
        port_, rate_, seconds_, out_ = sys.argv[2:6]
        asyncio.run(_load(int(port_), int(rate_), float(seconds_), Path(out_)))
    else:
        main()
