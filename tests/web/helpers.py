"""What the web tests share: times to book, real audio, the stored state to compare."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from broadcaster.db.models import Episode, Slot, User
from broadcaster.station import Station
from tests.conftest import make_tone

PP = ZoneInfo("Asia/Phnom_Penh")


def later(days: int = 7, hour: int = 19, minute: int = 0) -> str:
    """A station-time start safely in the future, whatever day the tests run."""
    day = datetime.now(PP) + timedelta(days=days)
    return day.strftime(f"%Y-%m-%d {hour:02d}:{minute:02d}")


def stored(station: Station) -> dict[str, list[tuple[Any, ...]]]:
    """Every episode, slot and user as rows, to show a refused request changed nothing."""
    with station.sessions() as session:
        return {
            "episodes": [(e.id, e.title, e.media_path) for e in session.scalars(select(Episode))],
            "slots": [
                (s.id, s.start, s.end, s.status, tuple(s.destinations))
                for s in session.scalars(select(Slot).order_by(Slot.id))
            ],
            "users": [(u.id, u.name) for u in session.scalars(select(User).order_by(User.id))],
        }


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def tone(folder: Path, seconds: float = 3, name: str = "talk.mp3") -> Path:
    return make_tone(folder / "sources" / name, seconds)
