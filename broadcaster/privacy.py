"""What the station keeps to itself: credentials in URLs, secrets in children's environment.

URLs may carry a user and password (`http://studio:PASSWORD@host/live.mp3`); every
output (listings, `episode show`, errors, logs) shows them as `http://studio:***@host/...`.
Children (ffmpeg, icecast) get a minimal environment: none of them needs a secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

CHILD_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "HOME", "TZ")
"""All a child process is given from our environment (no tokens, no passwords)."""

_URL_WITH_CREDENTIALS = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)([^/\s:@]*):([^/\s@]*)@")


def masked_url(url: str) -> str:
    """`url` with its password shown as `***`: `http://studio:***@host/live.mp3`.

    A URL without a password is returned as it is; one that cannot be parsed has any
    `user:password@` part masked all the same."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return mask_urls(url)
    if password is None:
        return mask_urls(url) if "@" in url else url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address goes back into brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{parts.username or ''}:{MASK}@{host}" + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def mask_urls(text: str) -> str:
    """Every `scheme://user:password@` in a message or log line, its password masked."""
    return _URL_WITH_CREDENTIALS.sub(lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@", text)


def child_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a child process gets: PATH, the locale, HOME and TZ, nothing else."""
    source = os.environ if environ is None else environ
    env = {key: source[key] for key in CHILD_ENV_KEYS if key in source}
    env.setdefault("PATH", os.defpath)
    return env
