"""The errors a station operator can cause, and that the CLI turns into exit code 2."""

from __future__ import annotations


class BadInput(Exception):
    """Input that cannot be accepted; the message names the field, file or slot at fault."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class NotFound(BadInput):
    """A named episode, slot, user or province does not exist."""


class Conflict(BadInput):
    """A slot would overlap another on the same destination."""


class NotReady(Exception):
    """The installation cannot work yet (e.g. the database is not set up): exit code 1."""
