"""Graph API failures: which ones a retry can cure, and messages without the token."""

from __future__ import annotations

TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613})


class GraphError(Exception):
    """A failed Graph API call; `code` and `subcode` as Facebook sent them."""

    def __init__(
        self, message: str, code: int | None = None, subcode: int | None = None, http: int = 0
    ) -> None:
        super().__init__(message)
        self.code, self.subcode, self.http = code, subcode, http


class TransientGraphError(GraphError):
    """Worth retrying: Facebook's transient and rate-limit codes, HTTP 5xx, network trouble."""


class PermanentGraphError(GraphError):
    """Retrying cannot help (token, permission, policy): the Facebook leg fails with this."""


def from_response(http: int, body: object) -> GraphError:
    """The error for an HTTP answer that is not a success, named for an operator."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        kind = TransientGraphError if http >= 500 else PermanentGraphError
        return kind(f"facebook: Graph API answered HTTP {http}", http=http)
    code = _int(err.get("code"))
    subcode = _int(err.get("error_subcode"))
    text = str(err.get("message", "")).strip()
    detail = f"(code {code}{f', subcode {subcode}' if subcode else ''}): {text}"
    if code == 190:
        return PermanentGraphError(
            f"facebook: the page access token is invalid or expired {detail}", code, subcode, http
        )
    if code == 10 or (code is not None and 200 <= code <= 299):
        return PermanentGraphError(
            f"facebook: the page token lacks a permission (needs pages_manage_posts) {detail}",
            code,
            subcode,
            http,
        )
    if code in TRANSIENT_CODES or http >= 500:
        return TransientGraphError(
            f"facebook: temporary Graph API error {detail}", code, subcode, http
        )
    return PermanentGraphError(
        f"facebook: Graph API refused the call {detail}", code, subcode, http
    )


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
