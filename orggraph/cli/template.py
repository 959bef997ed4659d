"""``orggraph template``: the empty import workbook (导入模板), and the JSON Schemas."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="template")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("orggraph-template.xlsx"),
    show_default=True,
    help="Workbook to write",
)
@click.option(
    "--schemas",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write one JSON Schema per table into this folder",
)
def command(output: Path, schemas: Path | None) -> None:
    """Write the empty import workbook: one sheet per table, headers in Chinese and English."""
    from orggraph.imports.schema import write_schemas
    from orggraph.imports.template import write_template

    write_template(output)
    click.echo(f"模板 template: {output}")
    if schemas is not None:
        for path in write_schemas(schemas):
            click.echo(f"模式 schema: {path}")
