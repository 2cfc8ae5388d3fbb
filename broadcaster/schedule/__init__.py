"""Pure planning: times, recurrence, overlaps, schedule files; and the slot book over a session."""
