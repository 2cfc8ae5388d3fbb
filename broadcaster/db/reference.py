"""Reference rows that come from the configuration: provinces and destinations."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.config import Settings
from broadcaster.db.migrate import upgrade
from broadcaster.db.models import Destination, Province
from broadcaster.db.session import make_engine

DESTINATION_ROWS = {
    "radio": "Sarika FM radio feed (Icecast mount carried by the provincial relays)",
    "facebook": "Facebook Live video on the partners' page",
}


@dataclass
class InitReport:
    url: str
    revision_before: str | None
    revision_after: str | None
    provinces_added: list[str] = field(default_factory=list)
    provinces_updated: list[str] = field(default_factory=list)
    provinces_retired: list[str] = field(default_factory=list)


def sync_reference_rows(session: Session, settings: Settings, report: InitReport) -> None:
    """Make provinces and destinations match the config; retired provinces keep their history."""
    for name, description in DESTINATION_ROWS.items():
        if session.get(Destination, name) is None:
            session.add(Destination(name=name, description=description))
    existing = {p.code: p for p in session.scalars(select(Province))}
    wanted = {p.code for p in settings.province}
    for position, conf in enumerate(settings.province):
        row = existing.get(conf.code)
        values = {
            "name": conf.name,
            "name_km": conf.name_km,
            "relay": conf.relay,
            "position": position,
            "active": True,
        }
        if row is None:
            session.add(Province(code=conf.code, **values))
            report.provinces_added.append(conf.code)
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            report.provinces_updated.append(conf.code)
    for code, row in existing.items():
        if code not in wanted and row.active:
            row.active = False
            report.provinces_retired.append(code)


def initialise(settings: Settings) -> InitReport:
    """`broadcaster init`: create or upgrade the schema and load the reference rows."""
    engine = make_engine(settings.database_url)
    try:
        before, after = upgrade(engine)
        report = InitReport(engine.url.render_as_string(), before, after)
        with Session(engine) as session, session.begin():
            sync_reference_rows(session, settings, report)
        return report
    finally:
        engine.dispose()
