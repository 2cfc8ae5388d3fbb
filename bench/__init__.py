"""Benchmarks of SPEC section 6: each module `bNN_*.py` has a `main()` printing its figures."""
