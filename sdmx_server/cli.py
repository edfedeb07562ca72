"""Command line: ``sdmx-server serve | load | migrate``.

``serve`` creates the schema of an empty database, loads the shipped
structures (and sample data) into it, then starts uvicorn. ``load`` stores
SDMX structure (and data) messages and prints what it created, kept or
refused; it exits with status 1 if anything was refused.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sdmx_server.logging_setup import configure_logging
from sdmx_server.settings import Settings, get_settings

log = logging.getLogger("sdmx_server.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sdmx-server", description="SDMX data-exchange server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="prepare the database (if empty) and serve the API")
    serve.add_argument("--host", default=None, help="interface to bind (default from SDMX_SERVER_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (default from SDMX_SERVER_PORT)")
    serve.add_argument("--workers", type=int, default=None, help="worker processes (default from SDMX_SERVER_WORKERS)")
    load = sub.add_parser("load", help="load SDMX structure or data messages (files or folders)")
    load.add_argument("paths", nargs="+", type=Path)
    load.add_argument("--dataflow", default=None, help="AGENCY,ID,VERSION of the dataflow for data messages")
    sub.add_parser("migrate", help="create or upgrade the database schema")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sdmx-server`` console script."""
    args = _parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "serve":
        return serve(settings, args.host, args.port, args.workers)
    if args.command == "load":
        return load(settings, args.paths, args.dataflow)
    if args.command == "migrate":
        from sdmx_server.storage.db import create_db_engine
        from sdmx_server.storage.schema import upgrade_to_head

        engine = create_db_engine(settings.database_url)
        upgrade_to_head(engine)
        print("schema is current")
        return 0
    return 2  # pragma: no cover


def prepare_database(settings: Settings) -> None:
    """Migrate the schema; if the store is empty, load the shipped content."""
    from sdmx_server.services.bootstrap import load_shipped_content
    from sdmx_server.services.container import Services
    from sdmx_server.storage.schema import upgrade_to_head

    services = Services.build(settings)
    try:
        upgrade_to_head(services.engine)
        load_shipped_content(services)
    finally:
        services.close()


def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> int:
    """Prepare the database, then run uvicorn with ``workers`` processes."""
    import uvicorn

    prepare_database(settings)
    workers = workers or settings.workers
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sdmx-metrics-")
    host, port = host or settings.host, port or settings.port
    log.info("serving on http://%s:%s (%d worker%s), database %s", host, port, workers,
             "s" if workers > 1 else "", _safe_url(settings.database_url))
    uvicorn.run("sdmx_server.app:app_factory", factory=True, host=host, port=port, workers=workers,
                log_config=None, access_log=False, proxy_headers=True, forwarded_allow_ips="*")
    return 0


def load(settings: Settings, paths: list[Path], dataflow: str | None) -> int:
    """Load files or folders: structures first (one submission), then each data file (all or nothing)."""
    from loaders.load import load_data_file, load_structure_files, split_by_kind
    from sdmx_server.services.container import Services
    from sdmx_server.storage.schema import upgrade_to_head

    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    target = _dataflow_ref(dataflow) if dataflow else None
    structure_files, data_files = split_by_kind(paths)
    services = Services.build(settings)
    ok = True
    try:
        upgrade_to_head(services.engine)
        if structure_files:
            ok = _print_structure_report(load_structure_files(structure_files, services.structure_store,
                                                              progress=sys.stderr.isatty()))
        for path in data_files:
            ok = _load_one_data_file(services, path, target) and ok
    finally:
        services.close()
    return 0 if ok else 1


def _dataflow_ref(text: str) -> object:
    from sdmx_server.domain.model import ArtefactType, MaintainableRef

    parts = text.split(",")
    if len(parts) != 3:
        raise SystemExit("--dataflow must be AGENCY,ID,VERSION")
    return MaintainableRef(type=ArtefactType.DATAFLOW, agency=parts[0], id=parts[1], version=parts[2])


def _load_one_data_file(services: object, path: Path, target: object) -> bool:
    from loaders.load import load_data_file
    from sdmx_server.domain.errors import SdmxError
    from sdmx_server.readers.base import DataReadError

    printed = 0

    def show(err: object) -> None:
        nonlocal printed
        printed += 1
        print(f"  {err.location}: {err.component} {err.value!r}: {err.reason}")  # type: ignore[attr-defined]

    try:
        result = load_data_file(path, services.data_write, target, on_error=show)  # type: ignore[attr-defined]
    except (DataReadError, SdmxError) as exc:
        print(f"refused  {path}: {getattr(exc, 'message', exc)}")
        return False
    c = result.counts  # type: ignore[attr-defined]
    if result.ok:  # type: ignore[attr-defined]
        print(f"loaded   {path}: {result.rows} rows into {result.dataflow.triplet}: "  # type: ignore[attr-defined]
              f"{c.inserted} inserted, {c.updated} updated, {c.deleted} deleted, {c.unchanged} unchanged")
        return True
    print(f"refused  {path}: {result.error_count} error(s) above; nothing was written")  # type: ignore[attr-defined]
    return False


def _print_structure_report(report: object) -> bool:
    for f in report.files:  # type: ignore[attr-defined]
        if f.error:
            print(f"refused  {f.path}: {f.error}")
        for what, why in f.refused:
            print(f"refused  {what} ({f.path.name}): {why}")
    sub = report.submission  # type: ignore[attr-defined]
    for o in sub.outcomes:
        line = f"{o.status:<8} {o.ref}"
        if o.message:
            line += f": {o.message}"
        print(line)
        for w in o.warnings:
            print(f"         warning: {w}")
    refused = len(sub.refused) + sum(len(f.refused) + bool(f.error) for f in report.files)  # type: ignore[attr-defined]
    print(f"{sub.count('created')} created, {sub.count('updated') + sub.count('merged')} updated, "
          f"{sub.count('kept')} kept, {refused} refused")
    return bool(report.ok)  # type: ignore[attr-defined]


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
