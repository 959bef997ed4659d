"""``orggraph db init``: create the store's schema (Neo4j constraints and indexes)."""

from __future__ import annotations

import click

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.store import NEO4J_SCHEMES


@click.group(name="db")
def command() -> None:
    """Store administration (数据库管理)."""


@command.command(name="init")
@store_option
@click.option(
    "--print", "print_only", is_flag=True, help="Print the Cypher schema and exit (no store)"
)
@pass_app
def init(app: AppContext, print_only: bool) -> None:
    """Create the constraints and indexes the store needs; safe to run again (初始化)."""
    from orggraph.store.neo4j_cypher import schema_text

    if print_only:
        click.echo(schema_text(), nl=False)
        return
    url = app.settings.store
    if url.split("://", 1)[0] not in NEO4J_SCHEMES:
        app.store()  # the embedded store creates its tables when it opens
        click.echo(f"嵌入式存储已就绪 (embedded store ready): {url}")
        return
    from orggraph.store.neo4j import Neo4jStore

    settings = app.settings
    with Neo4jStore(
        url,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        database=settings.neo4j_database,
        apply_schema=False,
    ) as store:
        created = store.apply_schema()
        present = len(store.schema_names())
    click.echo(f"新建 {len(created)} 项约束和索引 (created {len(created)}): {store.url}")
    for name in created:
        click.echo(f"  + {name}")
    click.echo(f"现有 {present} 项 (present in all: {present})")
