from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from broadcaster.config import load_settings
from broadcaster.db.migrate import alembic_config, head_revision
from broadcaster.db.models import Destination, Province, Slot
from broadcaster.db.reference import initialise
from broadcaster.errors import NotReady
from broadcaster.station import Station
from tests.conftest import add_episode_row


def test_init_creates_and_is_idempotent(db_url: str) -> None:
    settings = load_settings(env={"BROADCASTER_DB": db_url})
    first = initialise(settings)
    assert first.revision_before is None and first.revision_after == head_revision() is not None
    assert len(first.provinces_added) == 15
    again = initialise(settings)
    assert again.revision_before == again.revision_after == head_revision()
    assert again.provinces_added == again.provinces_updated == []
    st = Station.open(settings)
    with st.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Province)) == 15
        assert {d.name for d in s.scalars(select(Destination))} == {"radio", "facebook"}
    st.close()


def test_a_database_of_the_first_schema_is_upgraded_with_its_rows(db_url: str) -> None:
    from alembic import command

    from broadcaster.db.session import make_engine

    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO destinations (name, description) VALUES ('radio', 'kept')"))
    engine.dispose()
    report = initialise(load_settings(env={"BROADCASTER_DB": db_url}))
    assert (report.revision_before, report.revision_after) == ("0001", head_revision())
    st = Station.open(load_settings(env={"BROADCASTER_DB": db_url}))
    with st.sessions() as s:
        assert s.get(Destination, "radio").description == "kept"  # type: ignore[union-attr]
        assert s.execute(text("SELECT confirmed_at FROM asrun_legs")).all() == []
    st.close()


def test_provinces_follow_the_config_and_keep_history(db_url: str, station_dir: Path) -> None:
    initialise(load_settings(env={"BROADCASTER_DB": db_url}))
    (station_dir / "broadcaster.toml").write_text(
        '[[province]]\ncode = "PNH"\nname = "Phnom Penh City"\n', encoding="utf-8"
    )
    report = initialise(load_settings(env={"BROADCASTER_DB": db_url}))
    assert report.provinces_updated == ["PNH"]
    assert len(report.provinces_retired) == 14
    st = Station.open(load_settings(env={"BROADCASTER_DB": db_url}))
    with st.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Province)) == 15  # kept, inactive
        assert s.get(Province, "PNH").name == "Phnom Penh City"  # type: ignore[union-attr]
    st.close()


def test_times_go_in_aware_and_come_back_utc(station: Station) -> None:
    ep = add_episode_row(station)
    local = datetime(2027, 1, 5, 19, 0, tzinfo=timezone(timedelta(hours=7)))
    with station.sessions.begin() as s:
        s.add(
            Slot(
                episode_id=ep,
                start=local,
                end=local + timedelta(minutes=30),
                destinations=["radio"],
                provinces=["PNH"],
                created_at=station.clock(),
                updated_at=station.clock(),
            )
        )
    with station.sessions() as s:
        slot = s.scalars(select(Slot)).one()
        assert slot.start == datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
        assert slot.start.tzinfo is UTC


def test_sqlite_runs_in_wal_with_foreign_keys(station_dir: Path) -> None:
    settings = load_settings(env={})
    initialise(settings)
    st = Station.open(settings)
    with st.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    st.close()


def test_a_missing_database_is_not_created_by_accident(station_dir: Path) -> None:
    with pytest.raises(NotReady, match="broadcaster init"):
        Station.open(load_settings(env={}))
    assert not (station_dir / "var" / "broadcaster.db").exists()
