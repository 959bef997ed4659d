"""``orggraph schema export``: print the GraphQL schema (SDL) generated from the code."""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_PATH = Path("schema") / "schema.graphql"


@click.group(name="schema")
def command() -> None:
    """The GraphQL schema (模式): export it, or check the committed copy is current."""


@command.command(name="export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_PATH,
    show_default=True,
    help="File to write ('-' for standard output)",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the file is stale")
def export(output: Path, check: bool) -> None:
    """Write the schema's SDL to a file (default schema/schema.graphql)."""
    from orggraph.api.schema import sdl

    text = sdl()
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    if check:
        current = output.read_text("utf-8") if output.exists() else ""
        if current != text:
            raise click.ClickException(
                f"{output} is stale: run `orggraph schema export -o {output}`"
            )
        click.echo(f"已是最新 {output} is current")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, "utf-8")
    click.echo(f"已写入 wrote {output} ({len(text.splitlines())} 行 lines)")
