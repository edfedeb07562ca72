"""The server's public base URL: the one place every link writer asks.

``SDMX_SERVER_PUBLIC_URL`` when set; otherwise the URL the client reached:
scheme and host from the request (``Host`` header), where uvicorn has
already applied ``X-Forwarded-Proto``/``-For`` from trusted proxies only
(``SDMX_SERVER_FORWARDED_ALLOW_IPS``).
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

from sdmx_server.settings import Settings


def public_base_url(request: Request, settings: Settings | None = None) -> str:
    """``scheme://host[:port][/prefix]`` (no trailing slash) for links in the answer to ``request``."""
    if settings is None:
        settings = request.app.state.services.settings
    if settings.public_url:
        return settings.public_url
    return str(request.base_url).rstrip("/")


def is_https(request: Request, settings: Settings | None = None) -> bool:
    """True when clients reach the server over HTTPS, as its public base URL says (cookies are then
    ``Secure``)."""
    return public_base_url(request, settings).startswith("https://")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (links derived from them reach only this machine)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_url_warning(settings: Settings, host: str) -> str | None:
    """The start-up warning for a server others reach without a configured public URL, or None."""
    if settings.public_url or is_loopback(host):
        return None
    return (
        f"bound to {host} without SDMX_SERVER_PUBLIC_URL: links are derived from each request's Host "
        "header (and X-Forwarded-Proto from SDMX_SERVER_FORWARDED_ALLOW_IPS "
        f"= {settings.forwarded_allow_ips}); set SDMX_SERVER_PUBLIC_URL to the address clients use"
    )
