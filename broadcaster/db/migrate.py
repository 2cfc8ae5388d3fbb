"""Create or upgrade the database schema with Alembic, and check it is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from broadcaster.errors import NotReady

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str = "sqlite://") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; returns (before, after)."""
    before = current_revision(engine)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, current_revision(engine)


def require_current(engine: Engine) -> None:
    """Refuse to work on a database that `broadcaster init` has not created or upgraded."""
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise NotReady(f"database {_name(engine)} cannot be opened: {exc.orig}") from None
    if current is None:
        raise NotReady(f"database {_name(engine)} is not set up: run `broadcaster init`")
    if current != head_revision():
        raise NotReady(
            f"database {_name(engine)} is older than this version: run `broadcaster init`"
        )


def _name(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def require_database_file(url: str) -> None:
    """A missing SQLite file means `init` was never run; do not create an empty one."""
    parsed = make_url(url)
    is_file = parsed.drivername.startswith("sqlite") and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if is_file and not Path(str(parsed.database)).exists():
        raise NotReady(f"database {parsed.database} does not exist: run `broadcaster init`")
