"""The portal's cookies are ``Secure`` when clients reach the server over HTTPS, as its public URL
says (api/public_url.py): ``SDMX_SERVER_PUBLIC_URL`` when set, else the request as uvicorn saw it
(a trusted proxy's ``X-Forwarded-Proto``; uvicorn trusts a loopback proxy by default)."""

from __future__ import annotations

import httpx
import pytest

from sdmx_server.services.container import Services


def _flags(response: httpx.Response) -> set[str]:
    cookie = response.headers["set-cookie"]
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_cookies_follow_the_public_url_scheme(
    portal_services: Services, portal_http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the tests' servers have an http public URL: it wins over any header
    assert portal_services.settings.public_url == "http://testserver"
    plain = portal_http.get("/portal/signin", headers={"X-Forwarded-Proto": "https"})
    assert plain.status_code == 200
    assert "secure" not in _flags(plain) and "httponly" in _flags(plain)
    # without one, a TLS-terminating proxy that the server trusts (here: loopback) says https
    monkeypatch.setattr(portal_services.settings, "public_url", None)
    assert "secure" not in _flags(portal_http.get("/portal/signin"))
    proxied = portal_http.get("/portal/signin", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in _flags(proxied)
    # a configured https public URL says so without any header
    monkeypatch.setattr(portal_services.settings, "public_url", "https://lmis.example.ma")
    configured = portal_http.get("/portal/signin")
    assert "secure" in _flags(configured)
