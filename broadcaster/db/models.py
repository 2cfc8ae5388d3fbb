"""The stored state: episodes, slots, destinations, provinces, as-run rows, call-ins, users.

Times are stored as naive UTC and come back as aware UTC (`UTCDateTime`), so nothing
above this module ever sees a naive datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from broadcaster.states import LegStatus, SlotStatus

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SLOT_STATUSES = tuple(SlotStatus)
LEG_STATUSES = tuple(LegStatus)
DESTINATIONS = ("radio", "facebook")
ROLES = ("operator", "organiser")
SCREENING_STATES = ("waiting", "on_air", "done", "dropped")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; times must be aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Province(Base):
    __tablename__ = "provinces"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_km: Mapped[str | None] = mapped_column(String(100))
    relay: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    heartbeat_token_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    """SHA-256 of the relay site's heartbeat token (`province token CODE`); never the token."""
    last_heartbeat_at: Mapped[datetime | None]
    """When the site last posted a heartbeat, and what it said (carrying, listeners)."""
    last_carrying: Mapped[bool | None]
    last_listeners: Mapped[int | None] = mapped_column(Integer)


class Destination(Base):
    """A place a slot can air: `radio` (Icecast) or `facebook` (Live video)."""

    __tablename__ = "destinations"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))


class Episode(Base):
    __tablename__ = "episodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(254))
    series: Mapped[str | None] = mapped_column(String(254))
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    source_kind: Mapped[str] = mapped_column(String(10))  # "file" or "live"
    source: Mapped[str] = mapped_column(Text)  # the original file path or the live URL
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    media_path: Mapped[str | None] = mapped_column(Text)
    card_path: Mapped[str | None] = mapped_column(Text)
    duration_s: Mapped[float] = mapped_column(Float)
    loudness_lufs: Mapped[float | None] = mapped_column(Float)
    true_peak_dbtp: Mapped[float | None] = mapped_column(Float)
    measured_lufs: Mapped[float | None] = mapped_column(Float)
    measured_true_peak_dbtp: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]

    slots: Mapped[list[Slot]] = relationship(back_populates="episode")


class Slot(Base):
    """One airing of an episode. `origin` says who owns it: `cli`, `web`, or a schedule file:
    `file:PATH` (relative to the station's `schedules/` folder, absolute outside it) with
    the file's `series` in `origin_series`; only that file changes its slots."""

    __tablename__ = "slots"
    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="RESTRICT"))
    start: Mapped[datetime]
    end: Mapped[datetime]
    destinations: Mapped[list[str]] = mapped_column(JSON)
    provinces: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=SlotStatus.SCHEDULED)
    origin: Mapped[str] = mapped_column(String(1000), default="cli")
    origin_series: Mapped[str | None] = mapped_column(String(254))
    origin_key: Mapped[str | None] = mapped_column(String(200))
    repeat: Mapped[str | None] = mapped_column(String(500))
    preflight: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    facebook_live_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    episode: Mapped[Episode] = relationship(back_populates="slots")
    legs: Mapped[list[AsRunLeg]] = relationship(back_populates="slot")

    __table_args__ = (
        Index("ix_slots_start_end", "start", "end"),
        Index("ix_slots_origin_key", "origin", "origin_key"),
        Index("ix_slots_status_end", "status", "end"),
    )


class AsRunLeg(Base):
    """What one leg of one slot actually did."""

    __tablename__ = "asrun_legs"
    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), index=True)
    leg: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(20), default="aircheck")  # server kind aired to
    scheduled_start: Mapped[datetime]
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]
    gaps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12))
    cause: Mapped[str | None] = mapped_column(Text)
    aircheck_path: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None]
    """While on air: the last moment the daemon saw the leg on air (its heartbeat)."""

    slot: Mapped[Slot] = relationship(back_populates="legs")


class ProvinceCarriage(Base):
    """Per slot and province: the segments during which the relay carried the feed."""

    __tablename__ = "province_carriage"
    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """`[{"start", "end"}]` (ISO 8601, UTC), clipped to the slot."""
    status: Mapped[str] = mapped_column(String(10), default="unknown")
    """`full` (98 % of the slot or more), `partial`, `none`, `unknown` (nothing reported)."""
    carried_s: Mapped[float] = mapped_column(Float, default=0.0)
    peak_listeners: Mapped[int | None] = mapped_column(Integer)
    slot_start: Mapped[datetime]
    """The slot's start and length, copied here so the airtime report reads one table."""
    scheduled_s: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        UniqueConstraint("slot_id", "province_code"),
        Index(
            "ix_province_carriage_report",
            "province_code",
            "status",
            "slot_start",
            "scheduled_s",
            "carried_s",
        ),
    )


class CallIn(Base):
    """A listener's call. Never the phone number: at most a keyed hash, erased in time."""

    __tablename__ = "callins"
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("provinces.code"))
    """None: the caller's province is unknown (reported under `unknown`)."""
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("slots.id", ondelete="SET NULL"), index=True
    )
    topic: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    entered_by: Mapped[str] = mapped_column(String(20), default="operator")
    delivery_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    """The telephony gateway's id of the delivery: a retried delivery is counted once."""
    caller_call: Mapped[int | None] = mapped_column(Integer)
    """This caller's how-many-th call it is (1 first, 2 the call that made them a repeat
    caller...), fixed when it arrives, so the counts stay once the hash is erased; None:
    no key, callers cannot be told apart."""
    screened_at: Mapped[datetime | None]
    """When it left `waiting` (how long it waited)."""


class SlotComments(Base):
    """Online participation: the comments on a slot's Facebook live video, as last counted."""

    __tablename__ = "slot_comments"
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True
    )
    live_video_id: Mapped[str] = mapped_column(String(64))
    comments: Mapped[int] = mapped_column(Integer, default=0)
    counted_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class OnAirNow(Base):
    """What is on air now, per output or leg: the daemon's snapshot, rewritten every second,
    for the web, the monitors and other daemons (they read it, never the legs themselves).
    A row whose `updated_at` is more than a few seconds old is stale: its daemon has gone."""

    __tablename__ = "on_air_now"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    """`slot:ID:LEG` (e.g. `slot:12:radio`)."""
    holder: Mapped[str] = mapped_column(String(200))
    slot_id: Mapped[int | None] = mapped_column(Integer)
    leg: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The snapshot's other figures (SPEC/README: title, elapsed_s, remaining_s, last_gap...)."""
    updated_at: Mapped[datetime]


class LeaderLease(Base):
    """The one row that says which daemon may air, and until when."""

    __tablename__ = "leader_lease"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
