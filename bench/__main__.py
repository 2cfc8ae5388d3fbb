"""Run every benchmark (`make bench`), or those named: `python -m bench b3 b4`.

Each benchmark's `main()` returns its verdicts (`bench/verdicts.py`). At the end every
target is listed, met or NOT MET; the exit status is 1 when any target is not met or any
benchmark failed (raised, or returned no list of verdicts), else 0.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bench.verdicts import Verdict


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name[:1] == "b")
    wanted = [n for n in names if not argv or any(n.startswith(a) for a in argv)]
    if not wanted:
        print(f"no benchmark is named {' or '.join(argv)} (there are {', '.join(names)})")
        return 2
    return run((n, _main_of(n)) for n in wanted)


def _main_of(name: str) -> Callable[[], object]:
    def call() -> object:
        return importlib.import_module(f"bench.{name}").main()

    return call


def run(benchmarks: Iterable[tuple[str, Callable[[], object]]]) -> int:
    """Run each (name, main) in turn, then summarise; the exit status as `main` gives it."""
    results: list[tuple[str, Verdict]] = []
    failed: list[tuple[str, str]] = []
    for name, bench_main in benchmarks:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        try:
            got = bench_main()
        except Exception as exc:  # one benchmark failing must not hide the others
            failed.append((name, repr(exc)))
            print(f"   FAILED: {exc!r}")
        else:
            if isinstance(got, list) and all(isinstance(v, Verdict) for v in got):
                results += [(name, v) for v in got]
            else:
                failed.append((name, "its main() returned no list of verdicts"))
                print(f"   FAILED: {failed[-1][1]}")
        print(f"   ({time.monotonic() - started:.1f} s)\n", flush=True)
    return summarise(results, failed)


def summarise(results: list[tuple[str, Verdict]], failed: list[tuple[str, str]]) -> int:
    missed = [(name, v) for name, v in results if not v.met]
    print(
        f"== summary: {len(results)} targets, {len(results) - len(missed)} met,"
        f" {len(missed)} NOT MET; {len(failed)} benchmarks failed"
    )
    rows = [(name, v.target, v.figure, v.wanted, v.outcome) for name, v in results]
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("   " + "  ".join([*cells, row[4]]))
    for name, why in failed:
        print(f"   {name}: FAILED: {why}")
    if missed or failed:
        which = [f"{name}: {v.target}" for name, v in missed] + [name for name, _ in failed]
        print(f"   NOT MET or failed: {'; '.join(which)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
