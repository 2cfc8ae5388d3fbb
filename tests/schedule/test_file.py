from zoneinfo import ZoneInfo

from broadcaster.schedule.file import parse_schedule

PP = ZoneInfo("Asia/Phnom_Penh")

GOOD = """
series = "A2I"
[[episode]]
key = "e1"
title = "One"
file = "audio/one.mp3"
partners = ["CCC"]

[[episode]]
key = "live1"
title = "Call-in"
live = "http://127.0.0.1:8010/studio.mp3"
duration = "1h"

[[slot]]
episode = "e1"
at = "2027-01-05 19:00"
repeat = "FREQ=WEEKLY;COUNT=3"

[[slot]]
episode = "e1"
at = "2027-01-09 09:00"
to = ["radio"]
provinces = ["pnh", "SRP"]
"""


def test_a_good_file_reads_into_entries() -> None:
    parsed = parse_schedule(GOOD, PP, "s.toml")
    assert parsed.problems == []
    assert [e.key for e in parsed.episodes] == ["e1", "live1"]
    assert parsed.episodes[0].series == "A2I"
    assert parsed.episodes[1].duration_s == 3600
    first, second = parsed.slots
    assert len(first.starts) == 3 and first.destinations == ("radio", "facebook")
    assert first.provinces == "all" and first.ordinal == 0
    assert second.provinces == ("PNH", "SRP") and second.destinations == ("radio",)
    assert second.ordinal == 1


def test_every_problem_is_reported_with_its_place() -> None:
    text = """
[[episode]]
key = "e1"
title = "One"
file = "a.mp3"
[[episode]]
key = "e1"
title = ""
[[slot]]
episode = "e1"
at = "next tuesday"
[[slot]]
episode = "e1"
at = "2027-01-05 19:00"
to = ["radio", "tv"]
[[slot]]
episode = "e1"
at = "2027-01-06 19:00"
repeat = "FREQ=WEEKLY"
colour = "blue"
"""
    problems = parse_schedule(text, PP, "s.toml").problems
    assert len(problems) == 4, problems
    assert "episode #2" in problems[0] and "used by another episode" in problems[0]
    assert "slot #1" in problems[1] and "next tuesday" in problems[1]
    assert "slot #2" in problems[2] and "tv" in problems[2]
    assert "slot #3" in problems[3] and "colour" in problems[3]


def test_broken_toml_is_one_problem_with_the_line() -> None:
    problems = parse_schedule("[[episode]\nkey=", PP, "s.toml").problems
    assert len(problems) == 1 and "s.toml: not valid TOML" in problems[0] and "line" in problems[0]


def test_an_episode_needs_a_file_or_a_live_feed_but_not_both() -> None:
    text = """
[[episode]]
key = "a"
title = "A"
[[episode]]
key = "b"
title = "B"
file = "b.mp3"
live = "http://x/y"
duration = "1h"
[[episode]]
key = "c"
title = "C"
live = "http://x/y"
"""
    problems = parse_schedule(text, PP, "s.toml").problems
    assert len(problems) == 3
    assert "either file" in problems[0] and "either file" in problems[1]
    assert "duration: missing" in problems[2]
