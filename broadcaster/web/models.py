"""The API's request and response shapes, as the OpenAPI schema publishes them.

They mirror the CLI's `--json` objects (SPEC 3.2); the values come from the same
functions (`slot_json`, `episodes.summary`, `asrun.leg_json`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
"""What `schedule.times.parse_time` reads; published in the schema (not enforced by it, so
a bad time gets the CLI's message)."""
TIME_SCHEMA: dict[str, Any] = {"pattern": TIME_PATTERN}


class ErrorDetail(BaseModel):
    message: str
    field: str | None = None
    problems: list[str] = Field(default_factory=list)


class ErrorOut(BaseModel):
    """Every error: `{"error": {"message", "field"}}`."""

    error: ErrorDetail


class SlotIn(BaseModel):
    """A slot to book, as `schedule add` takes it."""

    model_config = ConfigDict(extra="forbid")

    episode_id: int = Field(ge=1, le=2**31 - 1)
    start: str = Field(
        max_length=64,
        description="'YYYY-MM-DD HH:MM' in the station's zone, or ISO 8601 with an offset",
        examples=["2027-01-05 19:00"],
        json_schema_extra=TIME_SCHEMA,
    )
    destinations: list[str] | str = Field(
        default=["radio", "facebook"], description="radio and/or facebook"
    )
    provinces: list[str] | str = Field(default="all", description="'all' or province codes")
    repeat: str | None = Field(
        default=None, max_length=500, description="RFC 5545 RRULE, e.g. FREQ=WEEKLY;COUNT=4"
    )


class SlotMove(BaseModel):
    """A new start for a slot (its length and destinations stay)."""

    model_config = ConfigDict(extra="forbid")

    start: str = Field(max_length=64, examples=["2027-01-05 20:00"], json_schema_extra=TIME_SCHEMA)


class SlotOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    episode_id: int
    start: str
    end: str
    destinations: list[str]
    provinces: list[str]
    status: str
    title: str | None = None
    origin: str | None = None
    repeat: str | None = None


class EpisodeOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    title: str
    duration_s: float
    loudness_lufs: float | None
    true_peak_dbtp: float | None = None
    kind: str | None = None
    media_file: str | None = None
    card_file: str | None = None
    source: str | None = None
    key: str | None = None
    series: str | None = None
    partners: list[str] = Field(default_factory=list)
    description: str | None = None
    measured_lufs: float | None = None
    measured_true_peak_dbtp: float | None = None
    created_at: str | None = None


class JobOut(BaseModel):
    """An upload being prepared: its stage and progress, then the episode or the error."""

    id: str
    state: Literal["queued", "running", "done", "failed"]
    file_name: str
    stage: str | None = None
    progress: float = Field(ge=0.0, le=1.0)
    episode: EpisodeOut | None = None
    error: ErrorDetail | None = None
    created_at: str
    finished_at: str | None = None


class GapOut(BaseModel):
    start: str | None
    end: str | None
    cause: str | None


class AsRunOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    slot_id: int
    leg: str
    scheduled_start: str | None
    actual_start: str | None
    actual_end: str | None
    gaps: list[GapOut]
    reconnects: int
    status: str
    title: str | None = None
    target: str | None = None
    cause: str | None = None
    provinces: list[dict[str, Any]] | None = None


class ProvinceOut(BaseModel):
    code: str
    name: str
    name_km: str | None = None
    relay_configured: bool


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable"]
    leader: str | None
    on_air: list[dict[str, Any]]
    next_slot: SlotOut | None
