"""The `tastemaker` command line: serve (default), quickstart and friends."""
from __future__ import annotations

import logging
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
@click.option("--executor", default=None, help="Job executor: thread | inline [TASTEMAKER_EXECUTOR].")
@click.option("--log-level", default="info", show_default=True)
def serve(host: str | None, port: int | None, data_dir: Path | None, executor: str | None, log_level: str) -> None:
    """Serve personalize, personalize-runtime and personalize-events on one port."""
    import uvicorn

    from .api.app import App
    from .service import Service
    from .settings import Settings

    overrides = {k: v for k, v in dict(host=host, port=port, data_dir=data_dir, executor=executor).items() if v is not None}
    settings = Settings(**overrides)
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = App(Service(settings))
    click.echo(f"Tastemaker {__version__} on http://{settings.host}:{settings.port} (data in {settings.data_dir})")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level, lifespan="on",
                access_log=False, timeout_keep_alive=75)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
