"""Extension through pluggy: plugins add column kinds and datasets."""

from __future__ import annotations

import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import InvalidArgument, UnknownColumnKind


class Percentage(sd.Float):
    """A plugin's kind: a float in [0, 100] with one decimal."""

    kind = "percentage"

    def __init__(self, *, null_rate: float = 0.0) -> None:
        super().__init__(low=0, high=100, decimals=1, null_rate=null_rate)


class PercentagePlugin:
    @sd.hookimpl
    def synthdata_column_kinds(self):
        return {"percentage": Percentage}


@pytest.fixture
def percentage_plugin():
    pm = sd.plugin_manager()
    plugin = PercentagePlugin()
    pm.register(plugin, name="test-percentage")
    yield plugin
    pm.unregister(plugin)


def test_builtin_kinds_are_registered_as_a_plugin():
    pm = sd.plugin_manager()
    assert pm.get_plugin("synthdata-builtin-kinds") is not None
    from pytest_synthdata._manager import column_kinds

    assert set(column_kinds()) >= {"integer", "float", "category", "boolean", "datetime", "date", "faker", "id"}


def test_a_registered_plugin_adds_a_column_kind(percentage_plugin):
    schema = sd.Schema("scores", {"score": "percentage", "other": {"kind": "percentage", "null_rate": 0.5}})
    df = schema.sample(2000, seed=1)
    assert df["score"].between(0, 100).all()
    assert df["other"].isna().mean() == pytest.approx(0.5, abs=0.05)


def test_the_kind_is_gone_once_the_plugin_is_unregistered():
    with pytest.raises(UnknownColumnKind, match="unknown column kind 'percentage'"):
        sd.Schema("scores", {"score": "percentage"})


def test_two_plugins_claiming_one_kind_with_different_classes_is_an_error(percentage_plugin):
    class Other:
        @sd.hookimpl
        def synthdata_column_kinds(self):
            return {"percentage": sd.Float}

    pm = sd.plugin_manager()
    other = Other()
    pm.register(other, name="test-other")
    try:
        with pytest.raises(InvalidArgument, match="column kind 'percentage' is provided by two plugins"):
            sd.Schema("scores", {"score": "percentage"})
    finally:
        pm.unregister(other)


def test_a_misspelled_hook_fails_loudly():
    class Typo:
        @sd.hookimpl
        def synthdata_column_kind(self):  # missing "s"
            return {}

    pm = sd.plugin_manager()
    typo = Typo()
    pm.register(typo, name="test-typo")
    try:
        from pluggy import PluginValidationError

        with pytest.raises(PluginValidationError):
            pm.check_pending()
    finally:
        pm.unregister(typo)


def test_conftest_hooks_add_datasets_and_kinds(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd

        class Percentage(sd.Float):
            kind = "percentage"
            def __init__(self, **kw):
                super().__init__(low=0, high=100, decimals=1, **kw)

        def synthdata_column_kinds():
            return {"percentage": Percentage}

        def synthdata_datasets(config):
            return [sd.Schema("orders", {"total": sd.Float(low=1, high=500, decimals=2)})]
        """
    )
    pytester.makepyfile(
        """
        import pytest_synthdata as sd

        def test_dataset_from_hook(synth_orders):
            assert len(synth_orders) == 100
            assert synth_orders["total"].between(1, 500).all()

        def test_kind_from_conftest():
            df = sd.Schema("s", {"p": "percentage"}).sample(50, seed=1)
            assert df["p"].between(0, 100).all()
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)
    # and the conftest's kinds do not leak into the next session
    assert "pytest-plugin" not in " ".join(name for name, _ in sd.plugin_manager().list_name_plugin())


def test_entry_point_plugins_are_loaded_from_the_synthdata_group(monkeypatch):
    """A third-party package's entry point is loaded when the manager is created."""
    from pytest_synthdata import _manager

    loaded = []

    class FakeManager(_manager._SynthdataPluginManager):
        def load_setuptools_entrypoints(self, group, name=None):
            loaded.append(group)
            self.register(PercentagePlugin(), name="from-entry-point")
            return 1

    monkeypatch.setattr(_manager, "_PM", None)
    monkeypatch.setattr(_manager, "_SynthdataPluginManager", FakeManager)
    pm = _manager.plugin_manager()
    assert loaded == ["synthdata"]
    assert "percentage" in _manager.column_kinds()
    assert pm.get_plugin("from-entry-point") is not None
