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


@pytest.mark.parametrize(
    ("text", "env", "field", "words"),
    [
        ('[radio]\nicecast = "http://host:8000"\n', {}, "radio.icecast", "names no mount"),
        ('[radio]\nicecast = "http://host:8000/"\n', {}, "radio.icecast", "names no mount"),
        ('[radio]\nicecast = "ftp://host:8000/s.mp3"\n', {}, "radio.icecast", "http or https"),
        ('[radio]\nicecast = "http://host:port/s.mp3"\n', {}, "radio.icecast", "not a valid URL"),
        ('[radio]\nicecast = "/sarika.mp3"\n', {}, "radio.icecast", "http or https"),
        ('[station]\ndatabase = "var/x.db"\n', {}, "station.database", "not a database URL"),
        ('[station]\ndatabase = "mysql://h/db"\n', {}, "station.database", "only sqlite"),
        ('[station]\ndatabase = "postgresql://u:pw@h:x/db"\n', {}, "station.database", "u:***@"),
        ("", {"BROADCASTER_DB": "::::"}, "BROADCASTER_DB", "not a database URL"),
        ('[facebook]\npage_id = "1"\ngraph_api = "graph.facebook.com"\n', {},
         "facebook.graph_api", "http or https"),
        ('[[province]]\ncode = "PNH"\nname = "P"\nrelay = "http://h:8001"\n', {},
         "province.0.relay", "names no mount"),
        ('[station]\nhorizon_days = 0\nmax_occurrences = 0\nlongest_slot = "long"\n', {},
         "station.horizon_days", "greater than or equal to 1"),
    ],
)  # fmt: skip
def test_urls_and_limits_are_checked_when_the_config_loads(
    station_dir: Path, text: str, env: dict[str, str], field: str, words: str
) -> None:
    (station_dir / "broadcaster.toml").write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as err:
        load_settings(env=env)
    message = str(err.value)
    assert f"{field}: " in message and words in message, message
    assert ":pw@" not in message


def test_the_limits_have_defaults_a_station_never_reaches(station_dir: Path) -> None:
    station = load_settings(env={}).station
    assert (station.horizon_days, station.max_occurrences, station.longest_slot) == (
        400,
        10_000,
        "8h",
    )
    (station_dir / "broadcaster.toml").write_text(
        '[station]\nhorizon_days = 60\nmax_occurrences = 100\nlongest_slot = "2h"\n'
        '[radio]\nicecast = "https://radio.example.org/live/sarika.mp3"\n',
        encoding="utf-8",
    )
    station = load_settings(env={}).station
    assert (station.horizon_days, station.max_occurrences, station.longest_slot) == (60, 100, "2h")
