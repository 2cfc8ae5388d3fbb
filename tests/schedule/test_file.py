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
    parsed = parse_schedule(text, PP, "s.toml")
    problems = parsed.problems
    expected = [
        ("s.toml: episode #2: key: ", "used by another episode"),
        ("s.toml: episode #2: title: ", "non-empty text"),
        ("s.toml: episode #2: give either file", "live"),
        ("s.toml: slot #1: at: ", "next tuesday"),
        ("s.toml: slot #2: to: ", "unknown destination tv"),
        ("s.toml: slot #3: unknown key colour", "allowed"),
        ("s.toml: slot #3: repeat: ", "never ends"),
    ]
    assert len(problems) == len(expected), problems
    for problem, (start, part) in zip(problems, expected, strict=True):
        assert problem.startswith(start) and part in problem, problem
    assert [e.key for e in parsed.episodes] == ["e1"] and parsed.slots == []


def test_every_problem_of_one_slot_is_reported() -> None:
    text = """
[[slot]]
episode = "e1"
at = "2027-01-05 19:00"
to = ["radio", "tv"]
provinces = "some"
repeat = "FREQ=SOMETIMES;COUNT=2"
[[slot]]
at = "soon"
to = 3
provinces = []
repeat = "FREQ=DAILY"
"""
    parsed = parse_schedule(text, PP, "s.toml")
    assert parsed.problems == [
        "s.toml: slot #1: to: unknown destination tv",
        "s.toml: slot #1: provinces: 'all' or a list of codes",
        "s.toml: slot #1: repeat: 'FREQ=SOMETIMES;COUNT=2' is not an RRULE"
        " (invalid 'FREQ': SOMETIMES)",
        "s.toml: slot #2: episode: missing",
        "s.toml: slot #2: at: 'soon' is not a time; use 'YYYY-MM-DD HH:MM' (station time)"
        " or ISO 8601 with an offset",
        's.toml: slot #2: to: must be a list such as ["radio", "facebook"]',
        "s.toml: slot #2: provinces: 'all' or a list of codes",
        "s.toml: slot #2: repeat: 'FREQ=DAILY' never ends; add COUNT=N or UNTIL=YYYYMMDD",
    ]
    assert parsed.slots == []
    assert [(r.where, r.episode) for r in parsed.refused_slots] == [
        ("s.toml: slot #1", "e1"),
        ("s.toml: slot #2", None),
    ]


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
