from datetime import UTC, datetime, timedelta

from broadcaster.schedule.overlaps import Booking, clashes

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def book(ref: str, start_min: int, end_min: int, dests: tuple[str, ...], new: bool) -> Booking:
    return Booking(
        ref, T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=end_min), dests, new
    )


def test_back_to_back_slots_do_not_clash() -> None:
    assert clashes([book("a", 0, 30, ("radio",), False), book("b", 30, 60, ("radio",), True)]) == []


def test_overlap_on_a_shared_destination_is_found() -> None:
    old = book("a", 0, 30, ("radio", "facebook"), False)
    new = book("b", 29, 60, ("facebook",), True)
    assert [(a.ref, b.ref, d) for a, b, d in clashes([old, new])] == [("a", "b", "facebook")]


def test_different_destinations_may_air_at_once() -> None:
    assert (
        clashes([book("a", 0, 30, ("radio",), False), book("b", 0, 30, ("facebook",), True)]) == []
    )


def test_clashes_among_stored_slots_alone_are_not_reported() -> None:
    assert (
        clashes([book("a", 0, 30, ("radio",), False), book("b", 10, 20, ("radio",), False)]) == []
    )


def test_a_long_slot_clashes_with_every_slot_inside_it() -> None:
    items = [book("long", 0, 120, ("radio",), True)] + [
        book(f"s{i}", i * 30, i * 30 + 10, ("radio",), False) for i in range(5)
    ]
    assert sorted(b.ref if a.ref == "long" else a.ref for a, b, _ in clashes(items)) == [
        "s0",
        "s1",
        "s2",
        "s3",
    ]
