from pathlib import Path

import pytest

from broadcaster.config import load_settings
from broadcaster.errors import BadInput


def test_defaults_need_no_file(station_dir: Path) -> None:
    s = load_settings(env={})
    assert s.station.timezone == "Asia/Phnom_Penh"
    assert s.database_url == f"sqlite:///{station_dir / 'var' / 'broadcaster.db'}"
    assert len(s.province) == 15 and s.province[0].code == "PNH"
    assert s.radio is None and s.facebook is None  # aircheck legs
    assert s.station.loudness_target_lufs == -16.0


def test_file_then_environment(station_dir: Path) -> None:
    (station_dir / "broadcaster.toml").write_text(
        """
[station]
name = "Test FM"
database = "sqlite:///data/x.db"
[radio]
icecast = "http://127.0.0.1:8000/sarika.mp3"
[[province]]
code = "PNH"
name = "Phnom Penh"
relay = "http://127.0.0.1:8001/pnh.mp3"
""",
        encoding="utf-8",
    )
    s = load_settings(env={"ICECAST_SOURCE_PASSWORD": "hackme"})
    assert s.station.name == "Test FM"
    assert s.database_url.endswith("/data/x.db")
    assert s.radio is not None and s.radio.bitrate_kbps == 128
    assert s.secret(s.radio.source_password_env) == "hackme"
    assert [p.code for p in s.province] == ["PNH"]
    env = {"BROADCASTER_DB": "postgresql://db.example/bc"}
    assert load_settings(env=env).database_url == "postgresql://db.example/bc"


def test_config_named_by_environment(station_dir: Path) -> None:
    other = station_dir / "other.toml"
    other.write_text('[station]\nname = "Other"\n', encoding="utf-8")
    assert load_settings(env={"BROADCASTER_CONFIG": str(other)}).station.name == "Other"


def test_every_bad_field_is_named(station_dir: Path) -> None:
    (station_dir / "broadcaster.toml").write_text(
        """
[station]
timezone = "Mars/Olympus"
loudness_target_lufs = 3
[radio]
bitrate_kbps = 128
[[province]]
code = "pnh"
name = "x"
""",
        encoding="utf-8",
    )
    with pytest.raises(BadInput) as err:
        load_settings(env={})
    text = str(err.value)
    for field in (
        "station.timezone",
        "station.loudness_target_lufs",
        "radio.icecast",
        "province.0.code",
    ):
        assert field in text


def test_missing_or_broken_config(station_dir: Path) -> None:
    with pytest.raises(BadInput, match="not found"):
        load_settings(station_dir / "nope.toml", env={})
    (station_dir / "broadcaster.toml").write_text("[station\n", encoding="utf-8")
    with pytest.raises(BadInput, match="not valid TOML"):
        load_settings(env={})
