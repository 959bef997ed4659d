"""``orggraph serve``: the GraphQL API, the explorer and the browser view, with uvicorn.

On a store where no administrator holds credentials yet it prints a one-time sign-in link
for the first administrator (``/signin?token=…``, 15 minutes, one use).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta

import click

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.store.base import GraphStore

#: The account the first sign-in link is for, on a store with no administrator yet.
FIRST_ADMIN = "admin"


def ensure_demo(store: GraphStore) -> bool:
    """Build the Xining demo into ``store`` when it holds nothing yet; whether it did."""
    if next(iter(store.all_nodes()), None) is not None:
        return False
    from orggraph.cli.demo import summary_lines
    from orggraph.cli.progress import progress_bar
    from orggraph.demo import build_demo

    click.echo("正在生成演示数据… building the demo store (seed 2019)…", err=True)
    with progress_bar() as progress:
        summary = build_demo(store, seed=2019, scale=1, progress=progress)
    click.echo("演示数据已生成 demo built:", err=True)
    for line in summary_lines(summary):
        click.echo(line, err=True)
    return True


def first_admin_link(store: GraphStore) -> str | None:
    """A one-time sign-in secret for the first administrator, while no administrator
    holds a token or has ever signed in (as Jupyter prints its link); else ``None``."""
    from orggraph.store.accounts import account_store

    accounts = account_store(store)
    if accounts.has_credentials("admin"):
        return None
    admins = [a for a in accounts.accounts() if a.role == "admin" and not a.disabled]
    name = admins[0].name if admins else accounts.add(FIRST_ADMIN, "admin").name
    return accounts.issue_link(name, timedelta(minutes=15))


@click.command(name="serve")
@store_option
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1)")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000)")
@click.option(
    "--demo", is_flag=True, help="Build the demo store first when the store is empty (演示数据)"
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes (default: the machine's cores); each holds its own copy of the "
    "embedded store's index (about 300 MB for the demo city)",
)
@pass_app
def command(
    app: AppContext, host: str | None, port: int | None, demo: bool, workers: int | None
) -> None:
    """Serve the GraphQL API at /graphql (with its explorer) and the browser view (服务)."""
    from orggraph.api import create_app, serve
    from orggraph.api.workers import serve_workers

    settings = replace(
        app.settings,
        host=host if host is not None else app.settings.host,
        port=port if port is not None else app.settings.port,
    )
    store = app.store()
    if demo:
        ensure_demo(store)
    processes = workers or os.cpu_count() or 1
    base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    click.echo(f"orggraph: {base}/ (GraphQL: {base}/graphql)", err=True)
    link = first_admin_link(store)
    if link is not None:
        click.echo(
            "首次登录(一次性，15分钟内有效) Sign in as the first administrator "
            "(one use, valid 15 minutes):",
            err=True,
        )
        click.echo(f"    {base}/signin?token={link}", err=True)
    if processes == 1:
        serve(create_app(store, settings), host=settings.host, port=settings.port, log_level="info")
        return
    click.echo(f"{processes} 个工作进程 worker processes", err=True)
    store.close()  # each worker opens its own
    serve_workers(settings, processes, log_level="info")
