"""Derived columns (``sd.Derived``): computed from the other columns after sampling; code stays out of model files."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import InvalidArgument, InvalidConstraint, InvalidCorrelation, ModelFileError


def _orders(**derived: object) -> sd.Schema:
    return sd.Schema(
        "orders",
        {
            "qty": sd.Integer(low=1, high=9),
            "price": sd.Float(low=1, high=50, decimals=2),
            "first": sd.Faker("first_name"),
            **derived,  # type: ignore[dict-item]
        },
        correlations={("qty", "price"): -0.5},
    )


def test_derived_columns_are_computed_from_the_sampled_row_in_declared_order():
    schema = _orders(
        total=sd.Derived(lambda df: (df["qty"] * df["price"]).round(2)),
        email=sd.Derived(lambda df: df["first"].str.lower() + "@example.com"),
        big=sd.Derived(lambda df: df["total"] > 100),  # reads a derived column declared before it
        source=sd.Derived(lambda df: "synthetic", dtype="category"),  # one value for every row
    )
    df = schema.sample(2_000, seed=4)
    assert list(df.columns) == ["qty", "price", "first", "total", "email", "big", "source"]
    assert (df["total"] == (df["qty"] * df["price"]).round(2)).all()
    assert (df["email"] == df["first"].str.lower() + "@example.com").all()
    assert (df["big"] == (df["total"] > 100)).all()
    assert df["source"].dtype == "category" and (df["source"] == "synthetic").all()
    assert schema.dtypes["total"] == "float64" and schema.dtypes["big"] == "bool"
    # a derived value is a function of its row: rows stay a prefix, seeds replay
    assert schema.sample(500, seed=4).equals(df.iloc[:500])
    # the modelled columns do not change when a derived column is added
    pd.testing.assert_frame_equal(_orders().sample(2_000, seed=4), df[["qty", "price", "first"]])


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (lambda df: df["qtty"], r"column 'bad': its function .* raised KeyError: 'qtty'"),
        (lambda df: df["qty"].iloc[:3], "returned 3 values for 20 rows"),
        (lambda df: ["x"] * 20, None),  # a list of the right length is fine
    ],
)
def test_a_derived_function_that_fails_says_which_column(function, message):
    schema = _orders(bad=sd.Derived(function))
    if message is None:
        assert (schema.sample(20, seed=1)["bad"] == "x").all()
        return
    with pytest.raises(InvalidArgument, match=message) as info:
        schema.sample(20, seed=1)
    if "KeyError" in message:
        assert isinstance(info.value.__cause__, KeyError)  # the function's own traceback is kept


def test_bad_declarations_are_refused():
    with pytest.raises(InvalidArgument, match="needs a function of the frame"):
        _orders(total=sd.Derived(42))
    with pytest.raises(InvalidArgument, match="is not a function reference"):
        _orders(total=sd.Derived("not a reference"))
    with pytest.raises(InvalidArgument, match="cannot import 'no_such_module:f'"):
        _orders(total=sd.Derived("no_such_module:f"))
    with pytest.raises(InvalidArgument, match="dtype='float77' is not a pandas dtype"):
        _orders(total=sd.Derived(lambda df: 1, dtype="float77"))
    with pytest.raises(InvalidArgument, match="cannot take dtype='int64'"):
        _orders(total=sd.Derived(lambda df: "x", dtype="int64")).sample(5, seed=1)
    with pytest.raises(InvalidCorrelation):
        sd.Schema(
            "t", {"a": sd.Float(low=0, high=1), "b": sd.Derived(lambda df: df["a"] * 2)}, correlations={("a", "b"): 0.5}
        )
    with pytest.raises(InvalidConstraint):
        sd.Schema("t", {"a": sd.Float(low=0, high=1), "b": sd.Derived(lambda df: df["a"] * 2)}, constraints=["a < b"])


def test_a_model_file_holds_a_reference_never_code_and_runs_it_only_when_trusted(tmp_path, monkeypatch):
    (tmp_path / "orderfuncs.py").write_text(
        textwrap.dedent(
            """
            def total(df):
                return (df["qty"] * df["price"]).round(2)
            NOT_A_FUNCTION = 3
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(InvalidArgument, match="computed by a Python function, which a model file cannot hold"):
        _orders(total=sd.Derived(lambda df: df["qty"])).save(tmp_path / "lambda.synth.json")
    schema = _orders(total=sd.Derived("orderfuncs:total"))
    path = schema.save(tmp_path / "orders.synth.json")
    data = json.loads(path.read_text())
    assert {"name": "total", "type": "computed", "function": "orderfuncs:total", "cast": None} in data["columns"]

    untrusted = sd.load(path)  # loads (no import), but will not run the function
    with pytest.raises(InvalidArgument, match=r"computed by 'orderfuncs:total'.*sd.load\(path, trust=True\)"):
        untrusted.sample(5, seed=2)
    trusted = sd.load(path, trust=True)
    pd.testing.assert_frame_equal(trusted.sample(300, seed=2), schema.sample(300, seed=2))

    for bad, message in (
        ("orderfuncs:NOT_A_FUNCTION", "is a int, not a function"),
        ("orderfuncs:gone", "cannot import"),
    ):
        data["columns"][-1]["function"] = bad
        path.write_text(json.dumps(data))
        sd.load(path)  # untrusted: nothing is imported
        with pytest.raises(ModelFileError, match=message):
            sd.load(path, trust=True)
    data["columns"][-1]["function"] = "os.system('rm -rf /')"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"expected a reference like 'package\.module:function'"):
        sd.load(path)


def test_derived_columns_in_a_pytest_fixture(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd

        orders = sd.Schema("orders", {
            "qty": sd.Integer(low=1, high=9),
            "price": sd.Float(low=1, high=50, decimals=2),
            "total": sd.Derived(lambda df: (df["qty"] * df["price"]).round(2)),
        })
        sd.register(orders)
        """
    )
    pytester.makepyfile(
        """
        def test_total(synth_orders):
            df = synth_orders
            assert ((df["qty"] * df["price"]).round(2) == df["total"]).all()
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_numpy_results_keep_their_dtype():
    schema = _orders(ratio=sd.Derived(lambda df: np.log(df["price"].to_numpy())))
    df = schema.sample(100, seed=3)
    assert df["ratio"].dtype == np.float64
    assert np.allclose(np.exp(df["ratio"]), df["price"])
