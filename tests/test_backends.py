"""Fitting backends: the synthdata_backends hook, the Model protocol, the optional SDV engines."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
from tables_for_tests import customers

import pytest_synthdata as sd
from pytest_synthdata.errors import InvalidArgument
from pytest_synthdata.testing import check_model

HAS_SDV = importlib.util.find_spec("sdv") is not None


class Bootstrap:
    """A toy backend: resamples rows (fine for a test, never for private data)."""

    def __init__(self, df: pd.DataFrame, name: str) -> None:
        self.df, self.name = df.reset_index(drop=True), name

    @property
    def columns(self) -> list[str]:
        return list(self.df.columns)

    @property
    def dtypes(self) -> dict[str, str]:
        return self.df.dtypes.astype(str).to_dict()

    def sample(self, n, *, seed=None):
        import numpy as np

        from pytest_synthdata._model import check_rows

        n = check_rows(n)
        rows = np.random.default_rng(seed).integers(0, len(self.df), n)
        frame = self.df.iloc[rows].reset_index(drop=True)
        frame.attrs["synthdata"] = {"dataset": self.name, "seed": seed}
        return frame


class BootstrapPlugin:
    @sd.hookimpl
    def synthdata_backends(self):
        return {"bootstrap": lambda df, *, name=None, columns=None, **options: Bootstrap(df, name or "data")}


@pytest.fixture
def bootstrap_plugin():
    pm = sd.plugin_manager()
    plugin = BootstrapPlugin()
    pm.register(plugin)
    yield
    pm.unregister(plugin)


def test_a_plugin_backend_is_used_through_fit(bootstrap_plugin):
    model = sd.fit(customers(200), name="c", backend="bootstrap")
    assert isinstance(model, Bootstrap)
    check_model(model)


def test_the_native_engine_is_found_through_the_backends_hook_like_any_other():
    from pytest_synthdata._fit.native import fit_native
    from pytest_synthdata._manager import fit_backend

    assert fit_backend("native") is fit_native


def test_unknown_backends_list_the_known_ones(bootstrap_plugin):
    with pytest.raises(
        InvalidArgument, match=r"backend='sdv' is not a known fitting engine; known: 'native', 'bootstrap'"
    ):
        sd.fit(customers(50), backend="sdv")
    with pytest.raises(InvalidArgument) as error:
        sd.fit(customers(50), backend="sdv")
    assert str(error.value).count("'native'") == 1


def test_native_only_options_are_refused_for_another_backend(bootstrap_plugin):
    """min_count would be silently ignored by another engine: say so instead."""
    with pytest.raises(
        InvalidArgument, match=r"fit\(backend='bootstrap'\) got knots, min_count, which only the native"
    ):
        sd.fit(customers(50), backend="bootstrap", min_count=10, knots=32)
    assert sd.fit(customers(50), name="c", backend="bootstrap", min_count=5).sample(3, seed=0).shape[0] == 3


def test_a_backend_hook_returning_junk_is_named():
    class Junk:
        @sd.hookimpl
        def synthdata_backends(self):
            return ["not", "a", "dict"]

    pm = sd.plugin_manager()
    plugin = Junk()
    pm.register(plugin, name="junk-backend")
    try:
        with pytest.raises(InvalidArgument, match="plugin junk-backend: synthdata_backends returned list"):
            sd.fit(customers(50), backend="anything")
    finally:
        pm.unregister(plugin)


def test_the_native_engine_passes_the_conformance_checks():
    check_model(sd.fit(customers(300), name="customers"))


def test_conformance_checks_catch_a_model_that_ignores_seeds(bootstrap_plugin):
    model = sd.fit(customers(200), name="c", backend="bootstrap")
    model.sample = lambda n, *, seed=None: Bootstrap.sample(model, n, seed=0)  # type: ignore[method-assign]
    with pytest.raises(AssertionError, match="different seed gave the same rows"):
        check_model(model)


@pytest.mark.skipif(HAS_SDV, reason="sdv is installed")
def test_sdv_backends_say_how_to_install_sdv():
    with pytest.raises(InvalidArgument, match=r'pip install "pytest-synthdata\[sdv\]"'):
        sd.fit(customers(50), backend="sdv-gaussian-copula")


@pytest.mark.skipif(not HAS_SDV, reason="needs the sdv extra")
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(
    ("backend", "options"),
    [("sdv-gaussian-copula", {}), ("sdv-ctgan", {"epochs": 2}), ("sdv-tvae", {"epochs": 2})],
)
def test_sdv_backends_follow_the_model_protocol(backend, options, tmp_path):
    real = customers(300)
    model = sd.fit(real, name="customers", backend=backend, **options)
    check_model(model)
    path = model.save(tmp_path / "customers.synth.pkl")
    with pytest.raises(InvalidArgument, match="is a pickle"):
        sd.load(path)
    loaded = sd.load(path, trust=True)
    pd.testing.assert_frame_equal(model.sample(40, seed=3), loaded.sample(40, seed=3))


@pytest.mark.skipif(not HAS_SDV, reason="needs the sdv extra")
@pytest.mark.filterwarnings("ignore")
def test_sdv_sampling_leaves_global_random_state_alone():
    import random

    import numpy as np

    model = sd.fit(customers(200), name="customers", backend="sdv-gaussian-copula")
    np.random.seed(5)
    random.seed(5)
    expected = (np.random.random(), random.random())
    np.random.seed(5)
    random.seed(5)
    model.sample(20, seed=1)
    assert (np.random.random(), random.random()) == expected


def test_conformance_checks_cover_declared_fitted_and_loaded_models(tmp_path):
    from golden.cases import declared

    schema = declared()
    check_model(schema)
    fitted = sd.fit(customers(300), name="customers")
    check_model(fitted)
    check_model(sd.load(fitted.save(tmp_path / "customers.synth.json")))
    check_model(sd.load(schema.save(tmp_path / "declared.synth.json")))


def test_conformance_checks_catch_a_stage_with_a_random_stream_of_its_own():
    schema = sd.Schema("noisy", {"x": sd.Float(mean=0, std=1), "n": sd.Faker("name")})
    column = schema.column("n")
    generate = column.generate

    def own_stream(u, key, start, stop):  # reads a generator of its own instead of the row's uniforms
        import numpy as np

        return generate(np.random.default_rng(key + start + 1).random((stop - start, 1)), key, start, stop)

    column.generate = own_stream
    with pytest.raises(AssertionError, match="draws a random number of its own"):
        check_model(schema)


def test_a_backend_without_a_latent_space_refuses_latent_features_clearly(bootstrap_plugin):
    from pytest_synthdata._latent import latent_model
    from pytest_synthdata.errors import UnsupportedFeature

    model = sd.fit(customers(100), name="c", backend="bootstrap")
    with pytest.raises(UnsupportedFeature, match=r"conditions need a model with a latent space .* 'c' is a Bootstrap"):
        latent_model(model, "conditions")
    assert latent_model(sd.fit(customers(100), name="c"), "conditions") is not None


def test_backends_are_asked_once_and_again_after_a_plugin_comes_or_goes():
    """fit_backend keeps the engines the hooks gave; registering or unregistering a plugin asks them again."""
    from pytest_synthdata._manager import fit_backend

    calls = []

    class Counting:
        @sd.hookimpl
        def synthdata_backends(self):
            calls.append(1)
            return {"counting": lambda df, **options: Bootstrap(df, "c")}

    pm = sd.plugin_manager()
    plugin = Counting()
    pm.register(plugin)
    try:
        first = fit_backend("counting")
        assert fit_backend("counting") is first and fit_backend("native") is not None
        assert len(calls) == 1  # (kept: not asked again)
        other = BootstrapPlugin()
        pm.register(other)
        try:
            assert fit_backend("bootstrap") is not None  # (a new plugin's engine is found at once)
            assert len(calls) == 2
        finally:
            pm.unregister(other)
        with pytest.raises(InvalidArgument, match="backend='bootstrap' is not a known fitting engine"):
            fit_backend("bootstrap")  # (and a gone one's engine is gone)
    finally:
        pm.unregister(plugin)
    with pytest.raises(InvalidArgument, match="backend='counting' is not a known fitting engine"):
        fit_backend("counting")
