"""Every setting, command-line command and option, and HTTP route is documented.

Settings and commands in README.md (or docs/SETTINGS.md), routes in docs/API.md. Like
datasette's documentation tests: add a knob, a command or a route, and this fails until
its documentation says what it does.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from sdmx_server.app import create_app
from sdmx_server.cli import _parser
from sdmx_server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _docs(*names: str) -> str:
    return "\n".join((ROOT / n).read_text(encoding="utf-8") for n in names if (ROOT / n).is_file())


def test_every_setting_is_documented() -> None:
    docs = _docs("README.md", "docs/SETTINGS.md")
    missing = [
        f"SDMX_SERVER_{name.upper()}"
        for name in Settings.model_fields
        if f"SDMX_SERVER_{name.upper()}" not in docs
    ]
    assert not missing, f"settings not documented in README.md: {missing}"


def _commands(
    parser: argparse.ArgumentParser, prefix: str = "sdmx-server"
) -> Iterator[tuple[str, list[str]]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                options = [
                    o
                    for a in sub._actions
                    for o in a.option_strings
                    if o.startswith("--") and o != "--help"
                ]
                yield f"{prefix} {name}", options
                yield from _commands(sub, f"{prefix} {name}")


def test_every_command_and_option_is_documented() -> None:
    readme = _docs("README.md")
    commands = list(_commands(_parser()))
    assert len(commands) >= 8
    missing = []
    for command, options in commands:
        # "sdmx-server token create" may be written "sdmx-server token create|list" or "./dev cli token create"
        words = command.split()[1:]
        pattern = r"(sdmx-server|\./dev cli) " + r"\s+".join(re.escape(w) for w in words) + r"\b"
        if not re.search(pattern, readme):
            missing.append(command)
        missing += [f"{command} {o}" for o in options if o not in readme]
    assert not missing, f"commands or options not documented in README.md: {missing}"


def _routes(tmp: Path) -> dict[str, set[str]]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp / 'routes.sqlite'}", run_jobs=False))
    found: dict[str, set[str]] = {}

    def walk(routes: list) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router (FastAPI >= 0.116)
                walk(route.original_router.routes)
            elif hasattr(route, "methods") and route.methods is not None:
                found.setdefault(re.sub(r":[a-z_]+}", "}", route.path), set()).update(route.methods)
            else:  # a mount (static files)
                found.setdefault(route.path, set()).add("GET")

    walk(app.routes)
    app.state.services.close()
    return found


def _documented_routes() -> dict[str, set[str]]:
    rows: dict[str, set[str]] = {}
    for line in _docs("docs/API.md").splitlines():
        m = re.match(r"\|\s*([A-Z, ]+?)\s*\|\s*`(/[^`]*)`\s*\|", line)
        if m:
            rows.setdefault(m.group(2), set()).update(x.strip() for x in m.group(1).split(","))
    return rows


def test_every_route_is_documented(tmp_path: Path) -> None:
    routes, documented = _routes(tmp_path), _documented_routes()
    assert len(routes) > 20
    missing = {
        path: sorted(methods - {"HEAD"} - documented.get(path, set()))  # GET implies HEAD
        for path, methods in routes.items()
    }
    missing = {p: m for p, m in missing.items() if m}
    assert not missing, f"routes not documented in docs/API.md (methods | `path` | ...): {missing}"
