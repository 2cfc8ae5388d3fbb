"""How every benchmark reports: each `main()` returns a list of `Verdict`s.

A verdict is one target: what is measured, the figure this run got, the limit it must stay
within (at most, or at least) and so whether it is met. A benchmark prints its verdicts
among its figures (`show`); `python -m bench` gathers them, prints a summary of every
target and exits non-zero when one is not met or a benchmark failed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    target: str
    """What is measured, e.g. "B1 first audio at Icecast, p95 |ms from the start|"."""
    measured: float
    limit: float
    unit: str = ""
    at_most: bool = True
    """The figure must be at most `limit`; False: at least."""

    @property
    def met(self) -> bool:
        if math.isnan(self.measured):  # never measured (a process never got ready, ...)
            return False
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    @property
    def figure(self) -> str:
        return _with_unit(f"{self.measured:.4g}", self.unit)

    @property
    def wanted(self) -> str:
        return _with_unit(f"{'<=' if self.at_most else '>='} {self.limit:g}", self.unit)

    @property
    def outcome(self) -> str:
        return "met" if self.met else "NOT MET"

    def line(self) -> str:
        return f"{self.target}: {self.figure} (target {self.wanted}): {self.outcome}"


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit else text


def show(verdicts: list[Verdict], indent: str = "   ") -> list[Verdict]:
    """Print each verdict on its own line; give them back, for `main()` to return."""
    for verdict in verdicts:
        print(f"{indent}{verdict.line()}", flush=True)
    return verdicts
