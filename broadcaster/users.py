"""People who use the API and pages: operators and organisers, with hashed tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from broadcaster.db.models import ROLES, User
from broadcaster.errors import BadInput, NotFound

_NAME = re.compile(r"^[\w.@-]{1,100}$")


def hash_token(token: str) -> str:
    """Tokens are long random strings, so one SHA-256 is enough; only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(session: Session, name: str, role: str, now: datetime) -> tuple[User, str]:
    """Create a user; returns the user and the API token, which is shown once and not kept."""
    if not _NAME.match(name):
        raise BadInput(f"name: {name!r}: use letters, digits and . _ @ - (at most 100)")
    if role not in ROLES:
        raise BadInput(f"role: {role!r} is not a role (use {' or '.join(ROLES)})")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise BadInput(f"name: a user called {name!r} already exists")
    token = "bc_" + secrets.token_urlsafe(32)
    user = User(name=name, role=role, token_hash=hash_token(token), created_at=now)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise BadInput(f"name: a user called {name!r} already exists") from None
    return user, token


def user_for_token(session: Session, token: str) -> User | None:
    """The user holding `token`, compared in constant time on the hash."""
    wanted = hash_token(token)
    user = session.scalar(select(User).where(User.token_hash == wanted))
    if user is not None and hmac.compare_digest(user.token_hash, wanted):
        return user
    return None


def all_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.name)).all()


def revoke_user(session: Session, name: str) -> User:
    """Delete the user: their token stops working at once (pages' sessions too)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"name: no user called {name!r} (see `user list`)")
    session.delete(user)
    session.flush()
    return user
