"""Heartbeat tokens: one per relay site, printed once by `province token CODE`; only its
hash is kept (as users' API tokens are, `broadcaster.users`)."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.db.models import Province
from broadcaster.errors import BadInput, NotFound
from broadcaster.users import hash_token

PREFIX = "hb_"


def find_province(session: Session, code: str, field: str = "code") -> Province:
    """The active province `code` (any case); NotFound naming `field` otherwise."""
    wanted = code.strip().upper()
    province = session.get(Province, wanted) if wanted.isalnum() and len(wanted) <= 8 else None
    if province is None or not province.active:
        known = session.scalars(
            select(Province.code).where(Province.active.is_(True)).order_by(Province.position)
        ).all()
        raise NotFound(f"{field}: no province {code!r} (known: {', '.join(known)})")
    return province


def issue_token(session: Session, code: str) -> tuple[Province, str]:
    """A new heartbeat token for the province (an older one stops working at once)."""
    province = find_province(session, code)
    token = PREFIX + secrets.token_urlsafe(32)
    province.heartbeat_token_hash = hash_token(token)
    session.flush()
    return province, token


def token_matches(province: Province, token: str) -> bool:
    """Whether `token` is this province's heartbeat token (compared in constant time)."""
    if not province.heartbeat_token_hash or not token:
        return False
    return hmac.compare_digest(province.heartbeat_token_hash, hash_token(token))


def check_code(code: str) -> str:
    """A province code as typed (letters and digits, 2 to 8), upper-cased."""
    wanted = code.strip().upper()
    if not (wanted.isascii() and wanted.isalnum() and 2 <= len(wanted) <= 8):
        raise BadInput(f"code: {code[:20]!r} is not a province code (e.g. PNH)")
    return wanted
