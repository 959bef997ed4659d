"""``orggraph serve``: the GraphQL API, the explorer and the browser view, with uvicorn."""

from __future__ import annotations

from dataclasses import replace

import click

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.store.base import GraphStore


def ensure_demo(store: GraphStore) -> bool:
    """Build the Xining demo into ``store`` when it holds nothing yet; whether it did."""
    if next(iter(store.all_nodes()), None) is not None:
        return False
    from orggraph.demo import build_demo

    click.echo("正在生成演示数据… building the demo store (seed 2019)…", err=True)
    summary = build_demo(store, seed=2019, scale=1)
    click.echo(f"演示数据已生成 demo built: {summary}", err=True)
    return True


@click.command(name="serve")
@store_option
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1)")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000)")
@click.option(
    "--demo", is_flag=True, help="Build the demo store first when the store is empty (演示数据)"
)
@pass_app
def command(app: AppContext, host: str | None, port: int | None, demo: bool) -> None:
    """Serve the GraphQL API at /graphql (with its explorer) and the browser view (服务)."""
    import uvicorn

    from orggraph.api import create_app

    settings = replace(
        app.settings,
        host=host if host is not None else app.settings.host,
        port=port if port is not None else app.settings.port,
    )
    store = app.store()
    if demo:
        ensure_demo(store)
    web = create_app(store, settings)
    click.echo(f"orggraph: http://{settings.host}:{settings.port}/graphql", err=True)
    uvicorn.run(web, host=settings.host, port=settings.port, log_level="info", ws="none")
