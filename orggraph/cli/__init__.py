"""The ``orggraph`` command line: one module per command, found by name.

Each module in this package defines ``command`` (a ``click.Command``); the group below
collects them, so adding a command is adding a module. Errors are rendered once, here:
an ``OrgGraphError`` prints its message and exits with its code (1 errors, 2 bad input),
never a stack trace.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass, field
from typing import Any

import click

from orggraph.errors import OrgGraphError
from orggraph.settings import Settings, load_settings

__all__ = ["AppContext", "main", "pass_app"]


@dataclass(kw_only=True)
class AppContext:
    """Built once in the group callback and handed to every command."""

    settings: Settings
    quiet: bool = False  # ``orggraph --quiet``: no progress bars
    _store: Any = field(default=None, repr=False)

    def store(self) -> Any:
        """The store named by the settings, opened on first use."""
        if self._store is None:
            from orggraph.store import open_store

            self._store = open_store(self.settings.store, self.settings)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext)


#: Modules of this package that hold what the commands share, not a command.
_HELPERS = frozenset({"progress", "tables"})


class _Commands(click.Group):
    """Finds ``command`` in every module of this package, lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._modules())

    @staticmethod
    def _modules() -> dict[str, str]:
        """Command name → module name; ``import_`` (a keyword otherwise) is ``import``."""
        return {
            m.name.rstrip("_").replace("_", "-"): m.name
            for m in pkgutil.iter_modules(__path__)
            if not m.name.startswith("_") and m.name not in _HELPERS
        }

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = self._modules().get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"{__name__}.{module_name}")
        # A helper module (tables, progress) has no command: not one of the commands.
        command = getattr(module, "command", None)
        return command if isinstance(command, click.Command) else None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    envvar="ORGGRAPH_STORE",
    default=None,
    help="Store URL (sqlite:///PATH, neo4j://HOST:PORT, bolt://…); default sqlite:///orggraph.db",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="不显示进度条 / No progress bars (they are drawn only on a terminal anyway)",
)
@click.version_option(package_name="orggraph")
@click.pass_context
def cli(ctx: click.Context, store: str | None, quiet: bool) -> None:
    """orggraph: 组织体系图谱 — party organization structure and responsibility."""
    app = AppContext(settings=load_settings({"store": store}), quiet=quiet)
    ctx.obj = app
    ctx.call_on_close(app.close)


def store_option(func: Any) -> Any:
    """``--store URL`` on a subcommand too, overriding the group's."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value:
            app = ctx.find_object(AppContext)
            if app is not None:
                from dataclasses import replace

                app.close()
                app.settings = replace(app.settings, store=value)

    return click.option(
        "--store",
        "store_url",
        envvar=None,
        default=None,
        expose_value=False,
        callback=remember,
        help="Store URL (overrides ORGGRAPH_STORE)",
    )(func)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the group, turning orggraph errors into messages and exit codes."""
    try:
        cli.main(args=argv, prog_name="orggraph", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已中止 Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OrgGraphError as exc:
        click.echo(f"orggraph: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
