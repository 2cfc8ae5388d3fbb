"""The running context of one installation: settings, database, clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from broadcaster.clock import Clock, system_clock
from broadcaster.config import Settings
from broadcaster.db.migrate import require_current, require_database_file
from broadcaster.db.session import SessionFactory, make_engine, make_sessions


@dataclass
class Station:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    clock: Clock = field(default=system_clock)

    @classmethod
    def open(cls, settings: Settings, clock: Clock = system_clock, check: bool = True) -> Station:
        """Connect to the configured database; with `check`, refuse one not yet initialised."""
        if check:
            require_database_file(settings.database_url)
        engine = make_engine(settings.database_url)
        if check:
            require_current(engine)
        return cls(settings=settings, engine=engine, sessions=make_sessions(engine), clock=clock)

    def close(self) -> None:
        self.engine.dispose()
