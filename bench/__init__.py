"""Benchmarks of SPEC section 6: each module `bNN_*.py` has a `main()` that prints its figures
and returns its verdicts (`verdicts.py`)."""
