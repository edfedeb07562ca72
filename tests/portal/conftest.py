"""Fixtures of the portal tests: a live server over the shipped content, and headless Chromium.

The browser is Debian's ``chromium`` driven through its ``chromium-driver`` by Selenium. Where it
is missing the browser tests are skipped on a developer's machine and **fail** under CI (``CI``
set), so that a CI run without a browser never passes silently. Screenshots and downloads are
kept under ``tmp/artefacts/portal/`` (or ``$SDMX_SERVER_TEST_ARTEFACTS``), printed in the output.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from sdmx_server.services.container import Services
from tests.conftest import DatabaseFactory, LiveServer
from tests.shipped_content import shipped_services

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = (
    Path(os.environ.get("SDMX_SERVER_TEST_ARTEFACTS", ROOT / "tmp" / "artefacts")) / "portal"
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def portal_services(db_factory: DatabaseFactory) -> Iterator[Services]:
    """The shipped structures and sample data (tests that write use their own store)."""
    services = shipped_services(db_factory)
    yield services
    services.close()


@pytest.fixture(scope="session")
def portal_server(portal_services: Services) -> Iterator[LiveServer]:
    """A live server over ``portal_services``."""
    with LiveServer(portal_services) as server:
        yield server


@pytest.fixture
def portal_http(portal_server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client of the portal server (no redirects followed)."""
    with httpx.Client(base_url=portal_server.url, timeout=60) as client:
        yield client


def _browser_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


class Browser:
    """A headless Chromium with a download folder and numbered screenshots."""

    def __init__(self, name: str) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.folder = ARTEFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.downloads = self.folder / "downloads"
        self.downloads.mkdir(parents=True)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1280,1000",
            "--lang=fr-FR",
            "--no-first-run",
            "--disable-extensions",
        ):
            options.add_argument(arg)
        options.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(self.downloads),
                "download.prompt_for_download": False,
                "intl.accept_languages": "fr-FR,fr",
            },
        )
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)
        self.shots = 0
        print(f"\n[portal artefacts] {self.folder}")

    def shot(self, label: str) -> Path:
        """Save a full-window screenshot (kept as a test artefact)."""
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{label}.png"
        self.driver.save_screenshot(str(path))
        return path

    def wait_for(self, check: Callable[[], object], timeout: float = 15.0) -> object:
        """Poll ``check`` until it returns something truthy (no fixed sleeps)."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = check()
                if value:
                    return value
            except Exception as exc:  # noqa: BLE001 - stale elements while the page refreshes
                last = exc
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting ({last})")

    def download(self, name: str, timeout: float = 20.0) -> Path:
        """The downloaded file ``name`` once complete."""
        target = self.downloads / name
        self.wait_for(
            lambda: target.exists() and not list(self.downloads.glob("*.crdownload")), timeout
        )
        return target

    def close(self) -> None:
        """Quit the browser."""
        self.driver.quit()


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A fresh headless Chromium per test; fails (never skips) under CI when it cannot start."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need Chromium under CI: {missing}")
        pytest.skip(missing)
    b = Browser(request.node.name)
    try:
        yield b
    finally:
        b.close()
