"""The `tastemaker` command line: serve (default), quickstart and friends."""
from __future__ import annotations

import logging
import socket
from pathlib import Path

import click

from . import __version__


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="tastemaker")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Tastemaker: Amazon Personalize that you run yourself."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--host", default=None, help="Address to listen on [TASTEMAKER_HOST, 127.0.0.1].")
@click.option("--port", default=None, type=int, help="Port [TASTEMAKER_PORT, 8080].")
@click.option("--data-dir", default=None, type=click.Path(path_type=Path),
              help="Data folder [TASTEMAKER_DATA_DIR, ~/.tastemaker].")
@click.option("--executor", default=None,
              help="Job executor: thread | inline | ray | ray://host:port [TASTEMAKER_EXECUTOR].")
@click.option("--credentials-file", default=None, type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="SigV4 credentials (TOML/JSON); requests must be signed [TASTEMAKER_CREDENTIALS_FILE].")
@click.option("--allow-unauthenticated", is_flag=True, default=None,
              help="Listen beyond loopback without credentials [TASTEMAKER_ALLOW_UNAUTHENTICATED].")
@click.option("--log-level", default="info", show_default=True)
@click.option("--log-format", default=None, type=click.Choice(["text", "json"]),
              help="Log lines as text or JSON [TASTEMAKER_LOG_FORMAT, text].")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes on the one port, over one store; each runs TASTEMAKER_WORKERS jobs at once.")
def serve(host: str | None, port: int | None, data_dir: Path | None, executor: str | None, log_level: str,
          log_format: str | None, credentials_file: Path | None = None, allow_unauthenticated: bool | None = None,
          processes: int = 1) -> None:
    """Serve personalize, personalize-runtime and personalize-events on one port."""
    import uvicorn

    from .api.app import App
    from .api.auth import exposure
    from .api.limits import head_deadline
    from .folder_lock import FolderInUse
    from .observability import configure_logging
    from .service import Service
    from .settings import Settings

    overrides = {k: v for k, v in dict(host=host, port=port, data_dir=data_dir, executor=executor,
                                       log_format=log_format, credentials_file=credentials_file,
                                       allow_unauthenticated=allow_unauthenticated).items() if v is not None}
    settings = Settings(**overrides)
    try:
        unauthenticated = exposure(settings)  # no credentials beyond loopback: refused unless allowed
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    configure_logging(settings.log_format, log_level)  # uvicorn's loggers too (log_config=None below)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-start chatter; our upgrade logs what it adds
    if unauthenticated:
        logging.getLogger("tastemaker.auth").warning(unauthenticated)
    try:
        service = Service(settings, mode="serve")  # takes the data folder's lock first
    except (ValueError, ConnectionError, FolderInUse) as exc:  # a bad URL or executor, a folder already served
        raise click.ClickException(str(exc)) from exc
    try:
        sock = _listen(settings.host, settings.port)
    except OSError as exc:
        service.close()
        raise click.ClickException(f"Cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}.") \
            from exc
    if service.lock is not None:
        service.lock.update(mode="serve", address=settings.host, port=sock.getsockname()[1])
    click.echo(f"Tastemaker {__version__} on http://{settings.host}:{settings.port} (data in {settings.data_dir}, "
               f"{settings.executor} executor" + (f", {processes} processes)" if processes > 1 else ")"))
    click.echo(f"Console: http://{settings.host}:{settings.port}/console")
    if processes > 1:
        from .server_group import serve_group, settings_to_environment

        service.prepare_group()  # recover left-over jobs once; this process keeps the lock and supervises
        settings_to_environment(settings, log_level)
        try:
            serve_group(sock, processes, log_level)
        finally:
            service.close()
        return
    # The socket listens before the app starts: jobs left by an earlier process resume only once this server can
    # be reached (lifespan startup), and a port conflict is found before anything was resumed.
    config = uvicorn.Config(App(service), log_level=log_level, lifespan="on", access_log=False, log_config=None,
                            timeout_keep_alive=75, http=head_deadline(settings.body_timeout_seconds))
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@cli.command()
@click.option("--data-dir", default=None, type=click.Path(path_type=Path),
              help="Keep the run's data here (default: a new temporary folder).")
@click.option("--users", default=1000, show_default=True, type=click.IntRange(30, None),
              help="Synthetic users (items: 2x, interactions: 50x).")
@click.option("--endpoint-url", default=None, help="Use a running `tastemaker serve` instead of an embedded one.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show progress bars.")
def quickstart(data_dir: Path | None, users: int, endpoint_url: str | None, progress: bool) -> None:
    """Import synthetic data, train three recipes, deploy them and show recommendations."""
    import shlex
    import sys
    import tempfile

    from . import connect, embedded
    from .quickstart import QuickstartFailed, console_progress, run_quickstart, store_progress

    # bars go to stderr and only when it is a terminal (tqdm's disable=None); with stdout redirected (a log
    # file, `| tee`) the lines printed meanwhile would land between bars, so none are drawn then either
    progress = progress and sys.stdout.isatty()
    work = Path(tempfile.mkdtemp(prefix="tastemaker-quickstart-")) if data_dir is None else data_dir
    try:
        if endpoint_url:
            personalize, runtime, _ = connect(endpoint_url)
            run_quickstart(personalize, runtime, users=users, work_dir=work / "csv", out=click.echo, progress=progress,
                           job_progress=console_progress(endpoint_url))
            click.echo(f"See it all in the console: {endpoint_url.rstrip('/')}/console")
            return
        click.echo(f"Embedded Tastemaker with its data in {work}")
        with embedded(work, executor="thread") as emb:  # CSVs in the exchange area, the default local root
            run_quickstart(emb.personalize, emb.runtime, users=users, work_dir=work / "files" / "quickstart",
                           out=click.echo, progress=progress, job_progress=store_progress(emb.service.store))
            settings = emb.service.settings
    except QuickstartFailed as exc:
        raise click.ClickException(str(exc)) from None
    # the folder is free once the embedded service closed: a server on it shows what the quickstart made
    click.echo("To see it all in the console, run\n"
               f"  tastemaker serve --data-dir {shlex.quote(str(Path(settings.data_dir).resolve()))}\n"
               f"and open {console_url(settings.host, settings.port)}")


def console_url(host: str, port: int) -> str:
    """The console's address on a server listening on host:port (a wildcard address is reached on loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/console"


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--users", default=1000, show_default=True, type=click.IntRange(1, None))
@click.option("--items", default=2000, show_default=True, type=click.IntRange(1, None))
@click.option("--interactions", default=50_000, show_default=True, type=click.IntRange(1, None))
@click.option("--seed", default=0, show_default=True, type=int)
def synthetic(folder: Path, users: int, items: int, interactions: int, seed: int) -> None:
    """Write synthetic interactions.csv and items.csv (Personalize headers) into FOLDER."""
    from .synthetic import generate

    data = generate(n_users=users, n_items=items, n_interactions=interactions, seed=seed)
    for kind, path in data.write_csv(folder).items():
        click.echo(f"{path}  ({getattr(data, kind).num_rows} rows)")


@cli.command()
def settings() -> None:
    """Print the effective settings (environment TASTEMAKER_* applied)."""
    from .settings import Settings

    current = Settings()
    for name in type(current).model_fields:
        click.echo(f"TASTEMAKER_{name.upper()}={getattr(current, name) if getattr(current, name) is not None else ''}")
    click.echo(f"# store: {current.resolved_store_url()}")
    click.echo(f"# lake:  {current.resolved_lake_url()}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
