"""Column kinds write and read their own model-file entries: to_spec -> from_spec gives the same spec."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from golden import cases
from hypothesis import HealthCheck, given, settings
from test_fit_properties import real_frames

import pytest_synthdata as sd
from pytest_synthdata._artifact import SpecReader, dumps
from pytest_synthdata._columns import (
    SPEC_TYPES,
    ConditionalColumn,
    DerivedColumn,
    FollowerColumn,
    IdColumn,
    ModelColumn,
    NumericColumn,
    SumColumn,
)
from pytest_synthdata.errors import InvalidArgument, ModelFileError

#: Kinds a schema declares; a fit also gives segmented, looked-up and all-null columns, but no computed ones.
DECLARED_TYPES = ("numeric", "datetime", "category", "boolean", "faker", "id", "computed")
FITTED_TYPES = tuple(sorted(set(SPEC_TYPES) - {"computed"}))


def spread_twice(df: pd.DataFrame) -> pd.Series:
    """A derived column's function, importable as ``test_column_specs:spread_twice``."""
    return df["spread"] * 2


def declared() -> sd.Schema:
    """Every declared kind and distribution: ids of each style, Faker with arguments, bounded and open numbers."""
    return sd.Schema(
        "declared",
        {
            **cases.declared().declarations,
            "big": sd.Integer(lam=5000, distribution="poisson"),
            "wait": sd.Float(scale=3.0, distribution="exponential"),
            "spread": sd.Float(low=-2, high=7),
            "size": sd.Category({"s": 0.5, "m": 0.3, "l": 0.2}, ordered=True),
            "phone": sd.Faker("numerify", text="###-####"),
            "twice": sd.Derived("test_column_specs:spread_twice", dtype="float64"),
        },
    )


def fitted() -> sd.Model:
    """A fit with every kind a file holds: segments, lookups, all-null, infinities, casts, dtype orders."""
    frame = cases.fitted_frame()
    n = len(frame)
    rng = np.random.default_rng(11)
    frame["code"] = frame["species"].map({"Adelie": "A", "Gentoo": "G", "Chinstrap": "C"})
    frame["member"] = frame["species"] == "Gentoo"
    frame["row"] = np.arange(n)
    frame["empty"] = None
    x = rng.normal(size=n)
    x[:9], x[9:15] = np.inf, -np.inf
    frame["x"] = x
    frame["size"] = pd.Categorical(rng.choice(["s", "m", "l"], n), categories=["l", "xl", "s", "m"])
    frame["count"] = pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 50, n)), dtype="Int64")
    frame["depth"] = frame.groupby("species").cumcount() % 37 + 0.5  # (alike in every species: not refitted)
    frame["height"] = 100.0 - frame["depth"]  # (a monotone function of depth in every row: a follower)
    frame["small"] = rng.integers(0, 1000, n).astype("int32")
    frame["extra"] = rng.integers(0, 500, n)
    frame["both"] = frame["small"].astype("int64") + frame["extra"]  # (the sum of two columns in every row)
    frame["price"] = np.round(rng.lognormal(2, 0.5, n), 2)
    frame["amount"] = np.round(frame["extra"] * frame["price"], 2)  # (a product, to the cent)
    frame["at"] = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s")
    frame["ok"] = pd.array(np.where(rng.random(n) < 0.1, None, rng.random(n) < 0.4), dtype="boolean")
    return sd.fit(frame, name="every")


@pytest.fixture(scope="module")
def models() -> dict[str, sd.Model]:
    return {"declared": declared(), "fitted": fitted()}


def nested(column: ModelColumn) -> Iterator[ModelColumn]:
    """The column, then the columns inside it (a segmented column's base and levels, a lookup's base)."""
    yield column
    if isinstance(column, ConditionalColumn):
        for inner in [column.base, *column.levels]:
            yield from nested(inner)
    elif isinstance(column, (DerivedColumn, FollowerColumn, SumColumn)):
        yield from nested(column.base)


def columns_of(model: sd.Model) -> list[ModelColumn]:
    return [inner for name in model.columns for inner in nested(model.column(name))]


def assert_round_trips(column: ModelColumn) -> None:
    spec = column.to_spec()
    decoded = json.loads(json.dumps(spec, allow_nan=False))  # JSON-ready: plain lists, dicts and scalars
    assert decoded == spec
    again = SPEC_TYPES[spec["type"]].from_spec(decoded, SpecReader("<test>"))
    assert type(again) is type(column)
    assert json.dumps(again.to_spec()) == json.dumps(spec)  # the same text, floats included
    for attribute in ("dtype", "kind", "cast", "null_rate", "modelled"):
        assert getattr(again, attribute) == getattr(column, attribute), attribute
    if column.modelled:
        z = np.linspace(-6, 6, 1001)
        np.testing.assert_array_equal(again.from_latent(z), column.from_latent(z))


def test_the_models_hold_every_kind_a_file_can(models):
    found = {case: {c.spec_type for c in columns_of(model)} for case, model in models.items()}
    assert found["fitted"] == set(FITTED_TYPES)
    assert found["declared"] == set(DECLARED_TYPES)
    specs = [c.to_spec() for c in columns_of(models["fitted"])]
    assert any(s.get("dtype_order") for s in specs) and any(any(s.get("inf_rates", [])) for s in specs)
    styles = {c.style for model in models.values() for c in columns_of(model) if isinstance(c, IdColumn)}
    assert styles == {"sequential", "uuid", "pattern"}


@pytest.mark.parametrize(
    ("case", "spec_type"),
    [("declared", t) for t in DECLARED_TYPES] + [("fitted", t) for t in FITTED_TYPES],
)
def test_every_kind_round_trips_through_its_spec(models, case, spec_type):
    columns = [c for c in columns_of(models[case]) if c.spec_type == spec_type]
    assert columns
    for column in columns:
        assert_round_trips(column)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(real=real_frames())
def test_every_fitted_column_round_trips_through_its_spec(real):
    for column in columns_of(sd.fit(real, name="real")):
        assert_round_trips(column)


def test_a_model_file_lists_the_specs_of_its_columns(models):
    for model in models.values():
        assert json.loads(dumps(model))["columns"] == [model.column(c).to_spec() for c in model.columns]


def good_file() -> dict:
    return json.loads(dumps(cases.declared()))


def at(data: dict, name: str) -> dict:
    return next(c for c in data["columns"] if c["name"] == name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: at(d, "age").update(type="colour"), r"column 'age'.type: unknown column type 'colour'"),
        (lambda d: at(d, "age").update(type=""), r"column 'age'.type: unknown column type ''"),
        (lambda d: at(d, "age").update(type="Numeric"), r"column 'age'.type: unknown column type 'Numeric'"),
        (lambda d: at(d, "age").update(type=5), r"column 'age'.type: expected str, found 5"),
        (lambda d: at(d, "age").update(type=None), r"column 'age'.type: expected str, found null"),
        (lambda d: at(d, "age").pop("type"), r"column 'age': missing key 'type'"),
        (lambda d: d["columns"].__setitem__(0, "id"), r"columns\[0\]: expected an object describing a column"),
        (lambda d: at(d, "plan").update(type="boolean"), r"column 'plan': missing key 'p'"),
    ],
)
def test_an_unknown_or_invalid_type_fails_clearly(tmp_path, change, message):
    data = good_file()
    change(data)
    path = tmp_path / "declared.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message) as info:
        sd.load(path)
    assert str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["base"].update(type="colour"), r"column 'mass'.base.type: unknown column type 'colour'"),
        (lambda s: s["levels"][1].update(type=7), r"column 'mass'.levels\[1\].type: expected str, found 7"),
        (lambda s: s["levels"].__setitem__(0, []), r"column 'mass'.levels\[0\]: expected an object describing"),
        (lambda s: s["levels"][2].update(bounds=[1]), r"column 'mass'.levels\[2\].bounds: expected \[low, high\]"),
    ],
)
def test_a_wrong_type_inside_a_segmented_column_fails_clearly(models, tmp_path, change, message):
    data = json.loads(dumps(models["fitted"]))
    spec = at(data, "mass")
    assert spec["type"] == "conditional" and len(spec["levels"]) == 3
    change(spec)
    path = tmp_path / "every.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message):
        sd.load(path)


def test_from_spec_names_the_file_the_column_and_the_field():
    spec = NumericColumn("age", dist="normal", params={"loc": 1.0, "scale": 2.0}, integer=True).to_spec()
    reader = SpecReader("tests/people.synth.json")
    with pytest.raises(ModelFileError, match=r"^tests/people.synth.json: column 'age'.step: -1 is not a positive grid"):
        NumericColumn.from_spec({**spec, "step": -1}, reader)
    with pytest.raises(ModelFileError, match=r"^tests/people.synth.json: columns\[3\].base.cast: 'bool' does not fit"):
        NumericColumn.from_spec({**spec, "cast": "bool"}, reader, "columns[3].base")


def test_a_column_kind_without_a_spec_cannot_be_saved():
    class Custom(ModelColumn):
        kind = "custom"

    with pytest.raises(InvalidArgument, match=r"column 'x': Custom columns cannot be saved to a model file yet"):
        Custom("x").to_spec()


def test_a_conditional_columns_levels_share_its_categories():
    """A level with other categories would map codes to the wrong values (or to missing) when sampled."""
    import numpy as np
    import pytest

    from pytest_synthdata._columns import CategoryColumn, ConditionalColumn
    from pytest_synthdata.errors import InvalidArgument

    base = CategoryColumn("grade", categories=["a", "b"], probs=np.array([0.5, 0.5]))
    other = CategoryColumn("grade", categories=["a", "b", "z"], probs=np.array([0.4, 0.4, 0.2]))
    with pytest.raises(InvalidArgument, match="categories of its base"):
        ConditionalColumn("grade", base=base, given="g", groups=[0, 1], levels=[other, base])


@pytest.mark.parametrize(("levels", "given"), [(3, "codes"), (300, "codes"), (70_000, "codes"), (2, "booleans")])
def test_a_conditional_column_partitions_rows_in_the_stable_order_of_their_groups(levels, given):
    """Groups sorted as small unsigned ints (a radix sort) keep the stable order of a sort of the int64 groups."""
    from pytest_synthdata._columns import CategoryColumn, ConditionalColumn

    base = CategoryColumn("grade", categories=["a", "b"], probs=np.array([0.5, 0.5]))
    rng = np.random.default_rng(levels)
    groups = rng.integers(0, levels, size=levels + 5)
    groups[:levels] = np.arange(levels)  # (every level used)
    col = ConditionalColumn("grade", base=base, given="g", groups=groups.tolist(), levels=[base] * levels)
    codes = rng.integers(0, len(groups), 5000) if given == "codes" else rng.random(5000) < 0.3
    order, bounds = col.partition(codes)
    group = np.asarray(groups)[codes.astype(np.int64)]
    want = np.argsort(group, kind="stable")
    assert np.array_equal(order, want)
    assert np.array_equal(bounds, np.searchsorted(group[want], np.arange(levels + 1)))
