"""Portal sessions: a signed, stateless cookie over the API's tokens, and CSRF tokens for forms.

The cookie ``lmis_session`` is ``<token number>.<expiry (Unix seconds)>.<HMAC-SHA256>``, keyed by the
token's stored SHA-256 (a secret only the database holds). Any worker checks it by reading the token
row, as a bearer token is checked: nothing lives in a process, revoking the token ends its
sessions, and the cookie expires at the earlier of 8 hours and the token's own expiry. It is
``HttpOnly`` and ``SameSite=Strict``; forms that change anything carry a CSRF token derived from
the same key and the session, checked on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

from sdmx_server.services.auth import ANONYMOUS, AuthService, Principal

COOKIE = "lmis_session"
LIFETIME_SECONDS = 8 * 3600


def _sign(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def make_cookie(
    token_pk: int, token_hash: str, token_expires: datetime | None, now: float | None = None
) -> tuple[str, int]:
    """The cookie value and its lifetime in seconds."""
    now = time.time() if now is None else now
    expiry = int(now) + LIFETIME_SECONDS
    if token_expires is not None:
        expiry = min(expiry, int(token_expires.timestamp()))
    body = f"{token_pk}.{expiry}"
    return f"{body}.{_sign(token_hash, 'session|' + body)}", max(expiry - int(now), 0)


class PortalSession:
    """Who is signed in (anonymous when nobody), and the CSRF token of their forms."""

    def __init__(self, principal: Principal, csrf: str = "") -> None:
        self.principal = principal
        self.csrf = csrf

    @property
    def signed_in(self) -> bool:
        """True when a valid session cookie came with the request."""
        return self.principal.kind != "anonymous"

    def csrf_ok(self, submitted: str | None) -> bool:
        """Whether a form's CSRF token is this session's."""
        return (
            bool(self.csrf) and submitted is not None and hmac.compare_digest(self.csrf, submitted)
        )


def read_cookie(auth: AuthService, value: str | None, now: float | None = None) -> PortalSession:
    """The session of a cookie; anonymous for none, a forged, expired or revoked one (``now``:
    Unix seconds, by default the services' clock)."""
    if not value:
        return PortalSession(ANONYMOUS)
    parts = value.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 18:
        return PortalSession(ANONYMOUS)
    pk, expiry, signature = int(parts[0]), int(parts[1]), parts[2]
    if expiry <= (auth.clock.now().timestamp() if now is None else now):
        return PortalSession(ANONYMOUS)
    found = auth.principal_by_pk(pk)
    if found is None:
        return PortalSession(ANONYMOUS)
    principal, key = found
    body = f"{pk}.{expiry}"
    if not hmac.compare_digest(_sign(key, "session|" + body), signature):
        return PortalSession(ANONYMOUS)
    return PortalSession(principal, _sign(key, "csrf|" + body))
