"""The web tests' app fixtures, for the provinces' routes."""

from tests.web.conftest import api, sqlite_api  # noqa: F401
