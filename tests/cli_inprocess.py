"""Run the ``sdmx-server`` command line inside the test process.

A subprocess costs seconds of interpreter start-up and imports per call; the
command line's behaviour (arguments, exit status, what it prints, what it
writes to the database named by the environment) is the same in process. One
subprocess smoke test per command family is kept (``tests/unit/test_cli.py``).
"""

from __future__ import annotations

import io
import logging
import os
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass

_lock = threading.Lock()  # the environment and sys.stdout are process-wide


@dataclass
class CliResult:
    """What a run of the command line gave (the fields of ``subprocess.CompletedProcess`` the tests read)."""

    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _environ(values: Mapping[str, str], clean: bool) -> Iterator[None]:
    dropped = (
        [
            k
            for k in os.environ
            if k.startswith("SDMX_SERVER_") and not k.startswith("SDMX_SERVER_TEST")
        ]
        if clean
        else []
    )
    saved = {k: os.environ.get(k) for k in [*values, *dropped]}
    for k in dropped:
        del os.environ[k]
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def _cwd(path: str | os.PathLike[str] | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def run_cli(
    env: Mapping[str, str],
    *args: str,
    cwd: str | os.PathLike[str] | None = None,
    clean: bool = False,
) -> CliResult:
    """``sdmx-server ARGS`` with ``env`` added to the environment (``clean``: without any other
    ``SDMX_SERVER_`` setting but the tests' own), in ``cwd``; never raises SystemExit."""
    from sdmx_server import cli
    from sdmx_server.settings import get_settings

    out, err = io.StringIO(), io.StringIO()
    with (
        _lock,
        _environ(env, clean),
        _cwd(cwd),
        _logging_restored(),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        get_settings.cache_clear()
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse errors and explicit exits
            if isinstance(exc.code, int) or exc.code is None:
                code = exc.code or 0
            else:
                print(exc.code, file=err)
                code = 1
        except Exception:  # as the interpreter does: the traceback on stderr, exit status 1
            traceback.print_exc(file=err)
            code = 1
        finally:
            get_settings.cache_clear()
    return CliResult(int(code), out.getvalue(), err.getvalue())
