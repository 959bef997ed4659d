"""``orggraph audit``: the audit trail, newest first (writes, sensitive reads, sign-ins).

::

    orggraph audit --actor li-analyst --action read-sensitive --first 20
"""

from __future__ import annotations

import click
import orjson

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.store.accounts import account_store


@click.command(name="audit")
@click.option("--first", type=int, default=50, show_default=True, help="How many records")
@click.option("--before", type=int, default=None, help="Only records before this sequence")
@click.option("--actor", default=None, help="Only this account's records")
@click.option("--action", default=None, help="write, read-sensitive, sign-in, export…")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line")
@store_option
@pass_app
def command(
    app: AppContext,
    first: int,
    before: int | None,
    actor: str | None,
    action: str | None,
    as_json: bool,
) -> None:
    """Print the audit trail (审计日志), newest first."""
    rows = account_store(app.store()).audit_entries(
        first=first, before_seq=before, actor=actor, action=action
    )
    for row in rows:
        if as_json:
            click.echo(orjson.dumps(row).decode())
        else:
            detail = orjson.dumps(row["detail"]).decode()
            if len(detail) > 160:
                detail = detail[:157] + "..."
            click.echo(f"{row['seq']}\t{row['at']}\t{row['actor']}\t{row['action']}\t{detail}")
