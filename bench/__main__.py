"""Run every benchmark (`make bench`), or those named: `python -m bench b3 b4`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name[:1] == "b")
    wanted = [n for n in names if not argv or any(n.startswith(a) for a in argv)]
    failed = 0
    for name in wanted:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # one benchmark failing must not hide the others
            failed += 1
            print(f"   FAILED: {exc!r}")
        print(f"   ({time.monotonic() - started:.1f} s)\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
