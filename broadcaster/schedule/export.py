"""The schedule as others read it: JSON, CSV for spreadsheets, ICS for calendars."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from broadcaster.db.models import Slot
from broadcaster.reports.output import spreadsheet_safe
from broadcaster.schedule.book import slot_json
from broadcaster.states import SlotStatus

CSV_COLUMNS = ["id", "episode_id", "title", "start", "end", "destinations", "provinces", "status"]


def to_json(slots: Sequence[Slot], zone: ZoneInfo) -> str:
    return json.dumps(
        [slot_json(s, zone, with_title=True) for s in slots], ensure_ascii=False, indent=2
    )


def to_csv(slots: Sequence[Slot], zone: ZoneInfo) -> str:
    """One row per slot; a title a spreadsheet would run as a formula gets a leading `'`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for slot in slots:
        row = slot_json(slot, zone, with_title=True)
        row["destinations"] = " ".join(row["destinations"])
        row["provinces"] = " ".join(row["provinces"])
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()


def to_ics(slots: Sequence[Slot], zone: ZoneInfo, station: str) -> str:
    """An iCalendar feed: one event per slot, in the station's zone with its VTIMEZONE."""
    from icalendar import Calendar, Event  # a third of a second to import: only when asked

    cal = Calendar()
    cal.add("prodid", "-//Broadcaster//Dialogue schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{station} dialogues")
    cal.add("x-wr-timezone", zone.key)
    for slot in slots:
        event = Event()
        event.add("uid", f"slot-{slot.id}@broadcaster")
        event.add("summary", slot.episode.title)
        event.add("dtstart", slot.start.astimezone(zone))
        event.add("dtend", slot.end.astimezone(zone))
        event.add("dtstamp", slot.updated_at)
        event.add("location", ", ".join(f"{station} {d}" for d in slot.destinations))
        details = [
            f"Destinations: {', '.join(slot.destinations)}",
            f"Provinces: {', '.join(slot.provinces)}",
        ]
        if slot.episode.partners:
            details.insert(0, f"Partners: {', '.join(slot.episode.partners)}")
        event.add("description", "\n".join(details))
        event.add("status", "CANCELLED" if slot.status == SlotStatus.CANCELLED else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")
