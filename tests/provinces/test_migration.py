"""Migration 0006 on each database: carriage rows kept (given their slot's start), and it
goes down and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from broadcaster.db.migrate import alembic_config, head_revision
from broadcaster.db.session import make_engine


def test_0006_keeps_carriage_rows_and_goes_down_and_up(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        conn.execute(text(
            "INSERT INTO provinces (code, name, position, active) VALUES ('PNH', 'Phnom Penh', 0,"
            " true);"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO episodes (id, title, partners, source_kind, source, duration_s,"
            " created_at) VALUES (1, 'E', '[]', 'file', '/dev/null', 60, '2026-11-01 12:00:00')"
        ))  # fmt: skip
        conn.execute(text(
            'INSERT INTO slots (id, episode_id, start, "end", destinations, provinces, status,'
            " origin, created_at, updated_at) VALUES (1, 1, '2026-11-01 12:00:00',"
            " '2026-11-01 12:01:00', '[\"radio\"]', '[\"PNH\"]', 'aired', 'cli',"
            " '2026-11-01 12:00:00', '2026-11-01 12:00:00')"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO province_carriage (slot_id, province_code, segments, status)"
            " VALUES (1, 'PNH', '[]', 'unknown')"
        ))  # fmt: skip
        command.upgrade(cfg, "head")
        [row] = conn.execute(
            text("SELECT slot_start, carried_s, scheduled_s FROM province_carriage")
        ).all()
        assert str(row[0]).startswith("2026-11-01 12:00:00") and row[1] == 0
        command.downgrade(cfg, "0005")
        command.upgrade(cfg, "head")
        assert conn.execute(text("SELECT count(*) FROM province_carriage")).scalar() == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            head_revision()
        )
    engine.dispose()
