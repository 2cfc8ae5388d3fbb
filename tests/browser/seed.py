"""A station's record for the organisers' pages: aired slots over the past days, their legs,
what each province carried, and call-ins (no phone numbers: none are ever stored)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from broadcaster.db.models import AsRunLeg, CallIn, Episode, ProvinceCarriage, Slot
from broadcaster.provinces.defaults import DEFAULT_PROVINCES
from broadcaster.station import Station

CODES = [p["code"] for p in DEFAULT_PROVINCES]
STATUSES = ("full", "partial", "none", "unknown")
KHMER_TITLE = "សំឡេងយុវជន: ការងារ និងជំនាញ"


def seed_record(station: Station, days: int = 12) -> list[int]:
    """One 30-minute slot a day for `days` days before today, aired on both legs; each
    province's carriage varies with the day; a few call-ins per slot. Returns the slot ids."""
    now = datetime.now(UTC).replace(microsecond=0)
    ids = []
    with station.sessions.begin() as session:
        episodes = [
            Episode(title=KHMER_TITLE, partners=["UNICEF", "Sarika FM"]),
            Episode(title="Farming today", partners=["FAO"]),
        ]
        for ep in episodes:
            ep.source_kind, ep.source, ep.duration_s, ep.created_at = "file", "/dev/null", 1800, now
            session.add(ep)
        session.flush()
        for day in range(1, days + 1):
            start = (now - timedelta(days=day)).replace(hour=12, minute=0, second=0)
            end = start + timedelta(minutes=30)
            episode = episodes[day % 2]
            slot = Slot(
                episode_id=episode.id, start=start, end=end, destinations=["radio", "facebook"],
                provinces=CODES, status="aired" if day % 5 else "partial", origin="cli",
                created_at=start - timedelta(days=3), updated_at=end,
            )  # fmt: skip
            session.add(slot)
            session.flush()
            ids.append(slot.id)
            for leg in ("radio", "facebook"):
                cut = leg == "facebook" and day % 5 == 0
                session.add(
                    AsRunLeg(
                        slot_id=slot.id, leg=leg, target="icecast" if leg == "radio" else "rtmp",
                        scheduled_start=start, actual_start=start + timedelta(milliseconds=20),
                        actual_end=end - timedelta(minutes=10) if cut else end, gaps=[],
                        reconnects=0, status="partial" if cut else "aired",
                        cause="the ingest closed the connection" if cut else None,
                    )
                )  # fmt: skip
            for i, code in enumerate(CODES):
                status = STATUSES[(day + i) % 4]
                carried = {"full": 1800.0, "partial": 900.0}.get(status, 0.0)
                until = start + timedelta(seconds=carried)
                segments = (
                    [{"start": start.isoformat(), "end": until.isoformat()}] if carried else []
                )
                session.add(
                    ProvinceCarriage(
                        slot_id=slot.id, province_code=code, segments=segments, status=status,
                        carried_s=carried, slot_start=start, scheduled_s=1800.0,
                    )
                )  # fmt: skip
            for k in range(day % 4):
                session.add(
                    CallIn(
                        received_at=start + timedelta(minutes=5 + k), province_code=CODES[k * 3],
                        slot_id=slot.id, topic="rice prices", state="done", entered_by="operator",
                    )
                )  # fmt: skip
    return ids


def waiting_calls(station: Station) -> None:
    """Two calls waiting in the queue now."""
    now = datetime.now(UTC)
    with station.sessions.begin() as session:
        for k, code in enumerate(("SRP", None)):
            session.add(
                CallIn(
                    received_at=now - timedelta(minutes=3 - k), province_code=code,
                    topic="ផ្លូវថ្នល់ក្នុងភូមិ" if k else "school fees", state="waiting",
                    entered_by="operator",
                )
            )  # fmt: skip
