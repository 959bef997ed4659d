"""The one settings table: defaults agree with the dataclass, env vars parse, errors name values."""

from __future__ import annotations

import pytest

from orggraph.errors import ConfigError
from orggraph.settings import SETTINGS, Settings, load_settings


def test_table_and_dataclass_agree() -> None:
    defaults = Settings()
    assert {s.name: s.default for s in SETTINGS} == {
        name: getattr(defaults, name) for name in Settings.__slots__
    }


def test_environment_then_overrides() -> None:
    env = {"ORGGRAPH_PORT": "9001", "ORGGRAPH_STORE": "sqlite:///x.db"}
    settings = load_settings({"store": "sqlite:///y.db"}, environ=env)
    assert settings.port == 9001
    assert settings.store == "sqlite:///y.db"


def test_a_bad_value_names_the_variable_and_the_value() -> None:
    with pytest.raises(ConfigError, match=r"ORGGRAPH_PORT.*'eighty'.*int"):
        load_settings(environ={"ORGGRAPH_PORT": "eighty"})
