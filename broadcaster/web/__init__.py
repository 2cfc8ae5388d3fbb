"""The web: the API of SPEC 3.5 and the pages of 4.7, one FastAPI app served by uvicorn.

FastAPI asks of every route's types whether they are pydantic 1 models, importing the
pydantic 1 compatibility layer (`pydantic.v1`) only to answer no: 1.5 MB that the
daemon's idle budget (B6, 100 MB with the web in the same process) has no room for.
Nothing here uses pydantic 1; when `pydantic.v1` cannot be imported, FastAPI answers no
without it (its own fallback), so the import is turned away unless something already
made it.
"""

import sys

if "pydantic.v1" not in sys.modules:
    sys.modules["pydantic.v1"] = None  # type: ignore[assignment]
