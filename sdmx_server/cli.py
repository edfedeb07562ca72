"""Command line: ``sdmx-server serve | load | migrate | token | dataflow``.

``serve`` creates the schema of an empty database, loads the shipped
structures (and, when asked, the sample data) into it, then starts uvicorn.
``load`` stores SDMX structure (and data) messages and prints what it
created, kept or refused; it exits with status 1 if anything was refused.
Every command first says on stderr which database it uses (password hidden).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from sdmx_server.domain.kinds import AuditAction
from sdmx_server.logging_setup import configure_logging
from sdmx_server.settings import Settings, get_settings

log = logging.getLogger("sdmx_server.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sdmx-server", description="SDMX data-exchange server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="prepare the database (if empty) and serve the API")
    serve.add_argument(
        "--host", default=None, help="interface to bind (default from SDMX_SERVER_HOST)"
    )
    serve.add_argument(
        "--port", type=int, default=None, help="port (default from SDMX_SERVER_PORT)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default from SDMX_SERVER_WORKERS)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="also load the shipped sample data (partly illustrative figures) into an empty "
        "database, as SDMX_SERVER_LOAD_SAMPLE_DATA=true does",
    )
    load = sub.add_parser("load", help="load SDMX structure or data messages (files or folders)")
    load.add_argument("paths", nargs="+", type=Path)
    load.add_argument(
        "--dataflow", default=None, help="AGENCY,ID,VERSION of the dataflow for data messages"
    )
    load.add_argument(
        "--provision-agreement",
        default=None,
        help="AGENCY,ID,VERSION: load data messages on behalf of this agreement's producer",
    )
    sub.add_parser("migrate", help="create or upgrade the database schema")
    token = sub.add_parser("token", help="manage bearer tokens")
    tsub = token.add_subparsers(dest="token_command", required=True)
    create = tsub.add_parser("create", help="create a token (printed once, alone on the last line)")
    create.add_argument(
        "--provider", help="data provider id (bare if unique, else AGENCY:SCHEME(VERSION).ID)"
    )
    create.add_argument(
        "--role", choices=("provider", "admin", "maintainer", "reader"), default=None
    )
    create.add_argument("--agency", help="the agency a maintainer token may write structures for")
    create.add_argument(
        "--dataflow",
        action="append",
        default=[],
        help="AGENCY,ID,VERSION of a non-public dataflow the token may read (repeatable)",
    )
    create.add_argument("--name", help="a label for lists and the audit trail")
    create.add_argument("--expires", help="expiry: an ISO 8601 date-time, or a number of days")
    tsub.add_parser("list", help="list tokens (never the tokens themselves)")
    revoke = tsub.add_parser("revoke", help="revoke a token by number or prefix")
    revoke.add_argument("token")
    access = sub.add_parser("dataflow", help="make a dataflow's data public or not")
    access.add_argument("visibility", choices=("public", "private"))
    access.add_argument("dataflow", help="AGENCY,ID,VERSION")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sdmx-server`` console script."""
    args = _parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    print(f"database: {describe_database(settings.database_url)}", file=sys.stderr, flush=True)
    if args.command == "serve":
        if args.demo:
            settings = settings.model_copy(update={"load_sample_data": True})
        return serve(settings, args.host, args.port, args.workers)
    if args.command == "load":
        return load(settings, args.paths, args.dataflow, args.provision_agreement)
    if args.command == "token":
        return token_command(settings, args)
    if args.command == "dataflow":
        return dataflow_access(settings, args.visibility, args.dataflow)
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
    from sdmx_server.api.public_url import public_url_warning

    warning = public_url_warning(settings, host)
    if warning:
        log.warning(warning)
    log.info(
        "serving on http://%s:%s (%d worker%s), database %s",
        host,
        port,
        workers,
        "s" if workers > 1 else "",
        describe_database(settings.database_url),
    )
    # Proxy headers (X-Forwarded-Proto/-For) are believed only from the listed addresses.
    uvicorn.run(
        "sdmx_server.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0


def load(
    settings: Settings, paths: list[Path], dataflow: str | None, agreement: str | None = None
) -> int:
    """Load files or folders: structures first (one submission), then each data file (all or nothing)."""
    from sdmx_server.services.container import Services
    from sdmx_server.services.file_loading import load_structure_files, split_by_kind
    from sdmx_server.storage.schema import upgrade_to_head

    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    target = _dataflow_ref(dataflow) if dataflow else None
    pa = (
        _maintainable_ref(agreement, "PROVISION_AGREEMENT", "--provision-agreement")
        if agreement
        else None
    )
    structure_files, data_files = split_by_kind(paths)
    services = Services.build(settings)
    ok = True
    try:
        upgrade_to_head(services.engine)
        if structure_files:
            report = load_structure_files(
                structure_files, services.structure_store, progress=sys.stderr.isatty()
            )
            ok = _print_structure_report(report)
            sub = report.submission
            _audit(
                services,
                "structure.load",
                ", ".join(str(p) for p in structure_files)[:1000],
                "written" if ok else "partly refused",
                200 if ok else 409,
                {k: sub.count(k) for k in ("created", "updated", "merged", "kept")}
                | {"refused": len(sub.refused)},
            )
        for path in data_files:
            ok = _load_one_data_file(services, path, target, pa) and ok
    finally:
        services.close()
    return 0 if ok else 1


def _dataflow_ref(text: str) -> object:
    return _maintainable_ref(text, "DATAFLOW", "--dataflow")


def _maintainable_ref(text: str, type_name: str, option: str) -> object:
    from sdmx_server.domain.model import ArtefactType, MaintainableRef

    parts = text.split(",")
    if len(parts) != 3:
        raise SystemExit(f"{option} must be AGENCY,ID,VERSION")
    return MaintainableRef(
        type=ArtefactType[type_name], agency=parts[0], id=parts[1], version=parts[2]
    )


def _load_one_data_file(services: object, path: Path, target: object, pa: object = None) -> bool:
    from sdmx_server.domain.errors import SdmxError
    from sdmx_server.readers.base import DataReadError
    from sdmx_server.services.file_loading import load_data_file

    printed = 0

    def show(err: object) -> None:
        nonlocal printed
        printed += 1
        print(f"  {err.location}: {err.component} {err.value!r}: {err.reason}")  # type: ignore[attr-defined]

    try:
        result = load_data_file(
            path,
            services.data_write,  # type: ignore[attr-defined]
            target,
            on_error=show,
            provision_agreement=pa,
        )
    except (DataReadError, SdmxError) as exc:
        message = getattr(exc, "message", str(exc))
        print(f"refused  {path}: {message}")
        _audit(
            services,
            "data.load",
            str(path),
            type(exc).__name__,
            getattr(exc, "http_status", 400),
            {"message": message},
        )
        return False
    c = result.counts  # type: ignore[attr-defined]
    _audit(
        services,
        "data.load",
        f"{path} -> {result.dataflow.triplet if result.dataflow else '?'}",  # type: ignore[attr-defined]
        "written" if result.ok else "invalid",  # type: ignore[attr-defined]
        200 if result.ok else 422,  # type: ignore[attr-defined]
        {
            "rows": result.rows,  # type: ignore[attr-defined]
            "inserted": c.inserted,
            "updated": c.updated,
            "deleted": c.deleted,
            "errorCount": result.error_count,  # type: ignore[attr-defined]
        },
    )
    if result.ok:  # type: ignore[attr-defined]
        print(
            f"loaded   {path}: {result.rows} rows into {result.dataflow.triplet}: "  # type: ignore[attr-defined]
            f"{c.inserted} inserted, {c.updated} updated, {c.deleted} deleted, {c.unchanged} unchanged"
        )
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
    refused = len(sub.refused)
    for f in report.files:  # type: ignore[attr-defined]
        refused += len(f.refused) + (1 if f.error else 0)
    print(
        f"{sub.count('created')} created, {sub.count('updated') + sub.count('merged')} updated, "
        f"{sub.count('kept')} kept, {refused} refused"
    )
    return bool(report.ok)  # type: ignore[attr-defined]


def _expiry(text: str | None) -> object:
    from datetime import timedelta

    from sdmx_server.domain.clock import utcnow
    from sdmx_server.domain.periods import PeriodError, parse_instant

    if not text:
        return None
    if text.isdigit():
        return utcnow() + timedelta(days=int(text))
    try:
        expires = parse_instant(text)
    except PeriodError as exc:
        raise SystemExit(f"--expires: {exc}") from None
    if expires <= utcnow():
        raise SystemExit(f"--expires: {text} is in the past; a token must expire later than now")
    return expires


def token_command(settings: Settings, args: argparse.Namespace) -> int:
    """``token create | list | revoke``."""
    from sdmx_server.domain.errors import SdmxError
    from sdmx_server.services.container import Services
    from sdmx_server.storage.schema import upgrade_to_head

    services = Services.build(settings)
    try:
        upgrade_to_head(services.engine)
        if args.token_command == "create":
            role = args.role or ("provider" if args.provider else None)
            if role is None:
                print(
                    "error: give --provider ID or --role admin|maintainer|reader", file=sys.stderr
                )
                return 2
            flows = tuple(_dataflow_ref(f) for f in args.dataflow)
            try:
                token, row = services.auth.create_token(
                    role,
                    provider=args.provider,
                    agency=args.agency,
                    name=args.name,
                    expires_at=_expiry(args.expires),  # type: ignore[arg-type]
                    dataflows=flows,  # type: ignore[arg-type]
                )
            except SdmxError as exc:
                print(f"error: {exc.message}", file=sys.stderr)
                return 2
            expiry = row.expires_at.isoformat() if row.expires_at else "never"
            _audit(
                services,
                "token.create",
                f"token {row.pk} ({row.prefix})",
                "created",
                201,
                {
                    "role": row.role,
                    "provider": args.provider,
                    "agency": args.agency,
                    "name": row.name,
                    "expires": expiry,
                },
            )
            print(
                f"token {row.pk} ({row.name}, role {row.role}, expires {expiry}); store it now, it is not shown again:"
            )
            print(token)
        elif args.token_command == "list":
            print(
                f"{'#':>4}  {'prefix':<13} {'role':<10} {'provider/agency':<16} {'expires':<26} {'revoked':<26} name"
            )
            for row, provider in services.auth.list_tokens():
                print(
                    f"{row.pk:>4}  {row.prefix:<13} {row.role:<10} {(provider or row.agency or '-'):<16} "
                    f"{(row.expires_at.isoformat() if row.expires_at else 'never'):<26} "
                    f"{(row.revoked_at.isoformat() if row.revoked_at else '-'):<26} {row.name}"
                )
        else:
            try:
                row = services.auth.revoke(args.token)
            except SdmxError as exc:
                print(f"error: {exc.message}", file=sys.stderr)
                return 2
            _audit(
                services,
                "token.revoke",
                f"token {row.pk} ({row.prefix})",
                "revoked",
                200,
                {"name": row.name},
            )
            print(f"token {row.pk} ({row.name}) revoked")
    finally:
        services.close()
    return 0


def dataflow_access(settings: Settings, visibility: str, dataflow: str) -> int:
    """``dataflow public|private AG,ID,VER``: who may read its data."""
    from sdmx_server.domain.errors import NoResultsError
    from sdmx_server.services.container import Services

    ref = _dataflow_ref(dataflow)
    services = Services.build(settings)
    try:
        services.auth.set_dataflow_public(ref, visibility == "public")  # type: ignore[arg-type]
        _audit(
            services,
            "dataflow.public" if visibility == "public" else "dataflow.private",
            dataflow,
            visibility,
            200,
        )
    except NoResultsError:
        print(f"error: no dataflow {dataflow}", file=sys.stderr)
        return 2
    finally:
        services.close()
    print(f"dataflow {dataflow} is now {visibility}")
    return 0


def _cli_principal() -> str:
    """Who runs the command, as the audit trail names it."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container): the uid will do
        user = f"uid {os.getuid()}"
    return f"command line ({user}@{socket.gethostname()})"


def _audit(
    services: object,
    action: AuditAction,
    target: str,
    outcome: str,
    status: int,
    details: Mapping[str, object] | None = None,
) -> None:
    services.audit.record(  # type: ignore[attr-defined]
        _cli_principal(),
        action,
        target,
        outcome,
        status,
        dict(details or {}),
    )


def describe_database(url: str) -> str:
    """The database URL as commands print it: password hidden, an SQLite file as an absolute path."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    return parsed.render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
