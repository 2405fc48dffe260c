"""Model files as untrusted input, and a save that is atomic and keeps what users set (issue 13, items 2 and 3)."""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
import pathlib
import stat
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata import _pii
from pytest_synthdata._artifact import MAX_FILE_BYTES, dumps, nesting_depth
from pytest_synthdata._model import loads
from pytest_synthdata._pii import MAX_POOL_SIZE
from pytest_synthdata.errors import InvalidArgument, ModelFileError


def small(p: float = 0.5) -> sd.Schema:
    return sd.Schema("small", {"x": sd.Float(mean=0, std=1), "flag": sd.Boolean(p=p)})


# save ---------------------------------------------------------------------------------


def test_concurrent_saves_never_show_a_reader_half_a_file(tmp_path):
    path = tmp_path / "small.synth.json"
    models = [small(0.25), small(0.75)]
    models[0].save(path)
    errors: list[BaseException] = []
    done = threading.Event()

    def writer(model: sd.Schema) -> None:
        try:
            for _ in range(60):
                model.save(path)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def reader() -> None:
        try:
            loads = 0
            while not done.is_set() or loads < 20:
                sd.load(path)
                loads += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(m,)) for m in models]
    observer = threading.Thread(target=reader)
    observer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    observer.join()
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["small.synth.json"]  # no temporary file left behind


def test_save_keeps_an_existing_files_mode(tmp_path):
    path = tmp_path / "small.synth.json"
    path.write_text("old")
    path.chmod(0o640)
    small().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sd.load(path).name == "small"


def test_a_new_file_gets_the_umask_mode_not_a_private_one(tmp_path):
    path = small().save(tmp_path / "small.synth.json")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_save_through_a_symlink_rewrites_its_target(tmp_path):
    real = tmp_path / "store" / "small.synth.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "small.synth.json"
    link.symlink_to(real)
    small().save(link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert sd.load(real).name == "small"


@pytest.mark.parametrize("parent", ["file", "file/deeper"])
def test_save_under_a_file_says_so(tmp_path, parent):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(InvalidArgument, match=r"a part of the directory path is a file"):
        small().save(tmp_path / parent / "small.synth.json")


def test_save_creates_missing_parent_directories(tmp_path):
    path = small().save(tmp_path / "a" / "b" / "small.synth.json")
    assert sd.load(path).name == "small"


def test_a_failed_save_leaves_no_temporary_file_and_the_old_file_intact(tmp_path, monkeypatch):
    path = small(0.25).save(tmp_path / "small.synth.json")
    before = path.read_bytes()

    def broken(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match=r"No space left"):
        small(0.75).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["small.synth.json"]


# loading: every value checked, every failure a ModelFileError naming the file and field -----------


@functools.cache
def fitted_text() -> str:
    rng = np.random.default_rng(0)
    n = 400
    ratio = rng.normal(50, 10, n)
    ratio[:8], ratio[8:12] = np.inf, -np.inf
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n).astype("int32"),
            "ratio": ratio,
            "empty": pd.Series([None] * n, dtype="float64"),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "plan": rng.choice(["a", "b", "c"], n),
            "flag": rng.random(n) < 0.3,
        }
    )
    return dumps(sd.fit(df, name="t", segments=False))


@functools.cache
def declared_text() -> str:
    schema = sd.Schema(
        "d",
        {
            "email": sd.Faker("email"),
            "code": sd.Id("C-{:05d}"),
            "n": sd.Id(),
            "x": sd.Float(mean=0, std=1),
            "u": sd.Float(low=0, high=1, distribution="uniform"),
            "k": sd.Integer(lam=3, distribution="poisson"),
        },
    )
    return dumps(schema)


def fitted_file() -> dict[str, Any]:
    return json.loads(fitted_text())


def declared_file() -> dict[str, Any]:
    return json.loads(declared_text())


def col(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["columns"] if c["name"] == name)


def write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "edited.synth.json"
    path.write_text(text)
    return path


def raw(text: str) -> Callable[[dict[str, Any]], str]:
    """An edit that replaces the JSON text of one value (for NaN, Infinity, 1e400 and huge whole numbers)."""

    def edit(data: dict[str, Any]) -> str:
        return json.dumps(data).replace('"@@"', text)

    return edit


def fitted_edit(name: str, **fields: Any) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        data = fitted_file()
        col(data, name).update(fields)
        return data

    return make


def declared_edit(name: str, **fields: Any) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        data = declared_file()
        col(data, name).update(fields)
        return data

    return make


def knots(name: str, factor: float, shift: float, **fields: Any) -> Callable[[], dict[str, Any]]:
    """Scale and shift the quantile knots of fitted column ``name`` (and set other fields)."""

    def make() -> dict[str, Any]:
        data = fitted_file()
        spec = col(data, name)
        spec["params"]["values"] = [v * factor + shift for v in spec["params"]["values"]]
        spec.update({"bounds": [None, None]} if fields.get("bounds", 0) is None else {})
        spec.update({k: v for k, v in fields.items() if v is not None})
        return data

    return make


def params(name: str, declared: bool = False, cast: str | None = None, **values: Any) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        data = declared_file() if declared else fitted_file()
        col(data, name)["params"].update(values)
        if cast is not None:
            col(data, name)["cast"] = cast
        return data

    return make


def account_edit(release: dict[str, Any] | None = None, **fields: Any) -> Callable[[], dict[str, Any]]:
    """A fitted file given a differentially private fit's account (``info.privacy``), then edited."""

    def make() -> dict[str, Any]:
        data = fitted_file()
        rows = {"step": "rows", "columns": [], "mechanism": "discrete Laplace", "epsilon": 0.5, "delta": 0.0}
        data["info"]["privacy"] = {"epsilon": 1.0, "delta": 1e-6, "ledger": [rows | (release or {})]} | fields
        return data

    return make


BAD_FILES = [
    # a differentially private fit's account: the audit and inspect read it, so it is checked like the rest
    ("dp-epsilon-zero", account_edit(epsilon=0), None, r"info.privacy.epsilon: expected a number above 0"),
    ("dp-epsilon-nan", account_edit(epsilon="@@"), "NaN", r"info.privacy.epsilon: expected a number 0 or more"),
    ("dp-delta-one", account_edit(delta=1), None, r"info.privacy.delta: expected a number in \[0, 1\)"),
    ("dp-no-ledger", account_edit(ledger=None), None, r"info.privacy.ledger: expected a list of releases"),
    ("dp-release-step", account_edit({"step": 3}), None, r"info.privacy.ledger\[0\].step: expected a string"),
    ("dp-release-loss", account_edit({"epsilon": -1}), None, r"info.privacy.ledger\[0\].epsilon: expected a number"),
    ("dp-overspent", account_edit({"epsilon": 2.0}), None, r"info.privacy.ledger: its releases spend epsilon 2"),
    # inf_rates: NaN or out of range gave columns of INT64_MIN or inf
    (
        "inf-nan",
        fitted_edit("ratio", inf_rates=["@@", 0.0]),
        "NaN",
        r"column 'ratio'.inf_rates\[0\]: nan is not a finite",
    ),
    (
        "inf-negative",
        fitted_edit("ratio", inf_rates=[-1, 0.0]),
        None,
        r"'ratio'.inf_rates\[0\]: -1.0 is not a probability",
    ),
    ("inf-above-one", fitted_edit("ratio", inf_rates=[0.0, 2.0]), None, r"'ratio'.inf_rates\[1\]: 2.0 is not a prob"),
    (
        "inf-sum-one",
        fitted_edit("ratio", inf_rates=[0.5, 0.5]),
        None,
        r"'ratio'.inf_rates: .* leave room for finite values",
    ),
    ("inf-integer", fitted_edit("age", inf_rates=[0.1, 0.0]), None, r"'age'.inf_rates: .* 0 for whole numbers"),
    ("inf-length", fitted_edit("ratio", inf_rates=[0.1]), None, r"'ratio'.inf_rates: expected 2 numbers"),
    ("inf-infinity", fitted_edit("ratio", inf_rates=["@@", 0.0]), "Infinity", r"'ratio'.inf_rates\[0\]: inf is not"),
    ("inf-1e400", fitted_edit("ratio", inf_rates=["@@", 0.0]), "1e400", r"'ratio'.inf_rates\[0\]: inf is not"),
    # the cast must hold the values (int8 / uint8 wrapped)
    (
        "cast-int8",
        knots("age", 10, 0, cast="int8", bounds=[0, 1000]),
        None,
        r"'age'.cast: 'int8' cannot hold the column",
    ),
    ("cast-uint8", knots("age", 1, -50, cast="uint8", bounds=[-50, 100]), None, r"'age'.cast: 'uint8' cannot hold"),
    ("cast-float16", params("x", True, cast="float16", scale=1e5), None, r"'x'.cast: 'float16' cannot hold"),
    (
        "cast-id-int8",
        declared_edit("n", cast="int8", start=1000),
        None,
        r"'n'.cast: 'int8' cannot hold the first id 1000",
    ),
    # a null column's dtype must hold nulls ('bool' came back all True)
    ("null-bool", fitted_edit("empty", dtype="bool"), None, r"'empty'.dtype: 'bool' cannot hold missing values"),
    ("null-int", fitted_edit("empty", dtype="int64"), None, r"'empty'.dtype: 'int64' cannot hold missing values"),
    ("null-nonsense", fitted_edit("empty", dtype="nonsense"), None, r"'empty'.dtype: 'nonsense' is not a pandas dtype"),
    # time units in range
    ("unit-zero", fitted_edit("when", unit_ns=0), None, r"'when'.unit_ns: 0 is not a time unit"),
    ("unit-huge", fitted_edit("when", unit_ns=10**15), None, r"'when'.unit_ns: 1000000000000000 is not a time unit"),
    ("when-overflow", knots("when", 10**6, 0, bounds=None), None, r"'when'.params: .* beyond the timestamps"),
    # Id patterns: plain fields only
    (
        "id-attribute",
        declared_edit("code", pattern="{0.__class__}"),
        None,
        r"'code'.pattern: .* has the field \{0.__class__\}",
    ),
    ("id-index", declared_edit("code", pattern="{0[0]}"), None, r"'code'.pattern: .* has the field \{0\[0\]\}"),
    ("id-named", declared_edit("code", pattern="{x}"), None, r"'code'.pattern: .* has the field \{x\}"),
    ("id-nested", declared_edit("code", pattern="{:{0}}"), None, r"'code'.pattern: .* format spec"),
    ("id-conversion", declared_edit("code", pattern="{!r}"), None, r"'code'.pattern: .* converts the number"),
    ("id-width", declared_edit("code", pattern="{:999999999d}"), None, r"'code'.pattern: .* width above 64"),
    ("id-no-field", declared_edit("code", pattern="{{}}"), None, r"'code'.pattern: .* every id would be the same"),
    (
        "id-pattern-on-sequential",
        declared_edit("n", pattern="{}"),
        None,
        r"'n'.pattern: a sequential id has no pattern",
    ),
    # Faker: pool_size and provider arguments capped
    ("pool-huge", declared_edit("email", pool_size=10**12), None, r"'email'.pool_size: .* above the cap of 1,000,000"),
    ("pool-zero", declared_edit("email", pool_size=0), None, r"'email'.pool_size: .* must be a positive int"),
    (
        "kwargs-size",
        declared_edit("email", provider="text", kwargs={"max_nb_chars": 10**9}),
        None,
        r"'email'.kwargs.max_nb_chars: 1000000000 is above the cap of 10000",
    ),
    (
        "kwargs-text",
        declared_edit("email", provider="numerify", kwargs={"text": "#" * 10**5}),
        None,
        r"'email'.kwargs.text: a string of 100000 characters is above the cap",
    ),
    (
        "kwargs-image",
        declared_edit("email", provider="image", kwargs={"size": [10_000, 10_000]}),
        None,
        r"'email'.kwargs.size: \[10000, 10000\] asks for 1e\+08 items together",
    ),
    (
        "kwargs-nan",
        declared_edit("email", provider="pyfloat", kwargs={"max_value": "@@"}),
        "NaN",
        r"kwargs.max_value: nan is not",
    ),
    # marginal parameters
    (
        "knots-nan",
        params("ratio", values=["@@", 1.0]),
        "NaN",
        r"'ratio'.params.values\[0\]: nan is not a finite number",
    ),
    ("knots-descending", knots("ratio", -1, 0), None, r"'ratio'.params.values: quantile knots must"),
    ("normal-scale", params("x", True, scale=0), None, r"'x'.params.scale: 0.0 is not a positive number"),
    ("normal-scale-missing", params("x", True, sigma=1), None, r"'x'.params.sigma: a normal distribution takes only"),
    ("normal-huge", params("x", True, scale=1e307), None, r"'x'.params: the values reach .* beyond what a float holds"),
    ("uniform-reversed", params("u", True, low=2), None, r"'u'.params: uniform low 2.0 must be below high 1.0"),
    ("poisson-lam", params("k", True, lam=-3), None, r"'k'.params.lam: -3.0 is not a positive number"),
    ("bounds-reversed", fitted_edit("age", bounds=[89, 18]), None, r"'age'.bounds: low 89.0 is above high 18.0"),
    ("bounds-nan", fitted_edit("age", bounds=["@@", 18]), "NaN", r"'age'.bounds\[0\]: nan is not a finite number"),
    ("probs-nan", fitted_edit("plan", probs=["@@", 0.5, 0.5]), "NaN", r"'plan'.probs\[0\]: nan is not a finite number"),
    ("probs-negative", fitted_edit("plan", probs=[-0.5, 0.75, 0.75]), None, r"'plan'.probs\[0\]: -0.5 is not a probab"),
    ("null-rate-nan", fitted_edit("plan", null_rate="@@"), "NaN", r"'plan'.null_rate: nan is not a finite number"),
    ("huge-whole-number", fitted_edit("age", step="@@"), "1" * 5000, r"not valid JSON for a model file"),
    (
        "category-huge-int",
        fitted_edit("plan", categories=[1, 2, "@@"]),
        str(10**30),
        r"'plan'.categories\[2\]: .* out of range",
    ),
]


@pytest.mark.parametrize(("edit", "text", "message"), [case[1:] for case in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_an_edited_file_fails_naming_the_file_and_the_field(tmp_path, edit, text, message):
    data = edit()
    body = raw(text)(data) if text is not None else json.dumps(data)
    path = write(tmp_path, body)
    with pytest.raises(ModelFileError, match=message) as info:
        sd.load(path)
    assert str(path) in str(info.value)


@pytest.mark.skipif(importlib.util.find_spec("PIL") is not None, reason="Faker's image provider needs Pillow missing")
def test_a_provider_that_fails_its_own_way_is_a_model_file_error(tmp_path):
    path = write(tmp_path, json.dumps(declared_edit("email", provider="image", kwargs={})()))
    with pytest.raises(ModelFileError, match=r"'email': .* failed with kwargs \{\} \(UnsupportedFeature: .*Pillow"):
        sd.load(path)


def test_a_conditional_columns_levels_must_fit_its_bases_cast(tmp_path):
    data = json.loads(pathlib.Path("tests/golden/fitted.synth.json").read_text())
    mass = col(data, "mass")
    numeric = [mass["base"], *mass["levels"]]
    assert all(spec["type"] == "numeric" for spec in numeric)
    mass["base"]["cast"] = "float16"  # (holds the base's grams, up to 65504)
    mass["levels"][1]["params"]["values"] = [v * 100 for v in mass["levels"][1]["params"]["values"]]
    mass["levels"][1]["bounds"] = [None, None]
    path = write(tmp_path, json.dumps(data))
    with pytest.raises(ModelFileError, match=r"column 'mass'.levels\[1\]: the base's cast: 'float16' cannot hold"):
        sd.load(path)


def test_the_committed_and_example_files_still_load():
    for path in ("examples/synthdata/penguins.synth.json", "tests/golden/fitted.synth.json"):
        model = sd.load(path)
        assert dumps(model) == pathlib.Path(path).read_text()


# reading: only regular files, bounded size and depth --------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.synth.json"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match=r"fifo.synth.json: is not a regular file"):
        sd.load(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "zero.synth.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(ModelFileError, match=r"zero.synth.json: is not a regular file"):
        sd.load(link)


def test_a_symlink_to_a_model_file_is_followed(tmp_path):
    link = tmp_path / "link.synth.json"
    link.symlink_to(pathlib.Path("examples/synthdata/penguins.synth.json").resolve())
    assert sd.load(link).name == "penguins"


def test_a_directory_is_refused(tmp_path):
    folder = tmp_path / "dir.synth.json"
    folder.mkdir()
    with pytest.raises(ModelFileError, match=r"dir.synth.json: is a directory"):
        sd.load(folder)


def test_a_file_above_the_size_cap_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.synth.json"
    with path.open("wb") as handle:  # sparse: no disk space used
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(
        ModelFileError, match=r"big.synth.json: 67108865 bytes is more than a model file may hold \(64 MiB\)"
    ):
        sd.load(path)


@pytest.mark.parametrize("where", ["info", "kwargs"])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path, where):
    data = declared_file()
    deep = "[" * 100_000 + "]" * 100_000
    target = data["info"] if where == "info" else col(data, "email")["kwargs"]
    target["deep"] = "@@"
    path = write(tmp_path, json.dumps(data).replace('"@@"', deep))
    with pytest.raises(ModelFileError, match=r"nest 100\d\d\d deep, more than a model file may \(64\)"):
        sd.load(path)


def test_nesting_depth_ignores_brackets_in_strings():
    assert nesting_depth('{"a": "[[[[{{{{", "b": ["\\\\", "\\"]"]}') == 2


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin.synth.json"
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(ModelFileError, match=r"latin.synth.json: cannot read it as a model file"):
        sd.load(path)


# Faker pools: built on the first sample, never on load -------------------------------------


def test_loading_a_faker_column_builds_no_pool(monkeypatch):
    data = declared_file()
    col(data, "email")["pool_size"] = 5_000  # (a size no other test builds: the pool cache holds no such pool)
    built: list[tuple[Any, ...]] = []
    real_pool = _pii.pool

    def counting_pool(*args: Any, **kwargs: Any) -> Any:
        built.append(args)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(_pii, "pool", counting_pool)
    model = loads(json.dumps(data), "d.synth.json")
    assert built == []  # not even the 64 smoke rows built the pool
    assert model.sample(5, seed=1)["email"].str.contains("@").all()
    assert len(built) > 0


# declarations share the checks ---------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["{0.__class__}", "{0[0]}", "{0.real}", "{!r}", "{:{w}}", "{:100000d}", "{}{0}"])
def test_an_id_pattern_that_walks_attributes_or_pads_hugely_is_refused_at_declaration(pattern):
    with pytest.raises(InvalidArgument, match=r"column 'key': Id="):
        sd.Schema("s", {"key": sd.Id(pattern)})


@pytest.mark.parametrize("pattern", ["C-{:06d}", "{}", "{0}", "{:>8}", "{0:x}", "id{0}-{0}"])
def test_plain_id_patterns_still_work(pattern):
    df = sd.Schema("s", {"key": sd.Id(pattern)}).sample(3, seed=1)
    assert list(df["key"]) == [pattern.format(i) for i in (1, 2, 3)]


def test_a_pool_size_above_the_cap_is_refused_at_declaration_with_the_reason():
    with pytest.raises(InvalidArgument, match=r"pool_size=1000001 is above the cap of 1,000,000 Faker calls"):
        sd.Schema("s", {"email": sd.Faker("email", pool_size=MAX_POOL_SIZE + 1)})


# fuzz: any edit of a valid file loads or raises ModelFileError, nothing else -------------------

_REPLACEMENTS: list[Any] = [
    math.nan, math.inf, -math.inf, -1, 0, 1, 0.5, 2**62, -(2**62), 10**30, 1e308, -1e308, 1e-320,
    "", "x", "int8", "{0.__class__}", None, True, False, [], {}, [1.0], [None], {"a": 1},
]  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a decoded JSON document (the root excluded)."""
    out = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*path, i))
    return out


@functools.cache
def _fuzz_bases() -> list[tuple[str, list[tuple[Any, ...]]]]:
    texts = [fitted_text(), declared_text(), pathlib.Path("tests/golden/fitted.synth.json").read_text()]
    return [(text, _paths(json.loads(text))) for text in texts]


@st.composite
def edited_files(draw: st.DrawFn) -> str:
    text, paths = draw(st.sampled_from(_fuzz_bases()))
    data = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            current = parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this place
        if not isinstance(parent, (dict, list)):
            continue  # an earlier edit made a container a string, which indexes but cannot be assigned into
        action = draw(st.sampled_from(["replace", "drop", "scale", "swap"]))
        if action == "drop":
            del parent[path[-1]]
        elif action == "scale" and isinstance(current, (int, float)) and not isinstance(current, bool):
            parent[path[-1]] = current * draw(st.sampled_from([-1, 2, 1e6, 1e300, 0]))
        elif action == "swap":  # a value of another type: a list becomes its first item, a scalar a list
            parent[path[-1]] = (current[0] if current else None) if isinstance(current, list) else [current]
        else:
            parent[path[-1]] = draw(st.sampled_from(_REPLACEMENTS))
    return json.dumps(data)  # (NaN and Infinity written as JSON's common extension, which json reads)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_files())
def test_any_edit_of_a_valid_file_loads_or_raises_model_file_error(text):
    try:
        model = loads(text, "fuzzed.synth.json")
    except ModelFileError as exc:
        assert str(exc).startswith("fuzzed.synth.json: ")
    else:
        model.sample(3, seed=1)


@pytest.mark.parametrize(
    ("dist", "params"),
    [
        ("uniform", {"low": 0.0, "high": 1e-320}),
        ("normal", {"loc": 0.0, "scale": 1e-320}),
        ("lognormal", {"mu": 0.0, "sigma": 1e-320}),
        ("exponential", {"loc": 0.0, "scale": 1e-320}),
    ],
)
@pytest.mark.parametrize("bounds", [[0.0, 1.0], [None, None], [-1e300, 1e300], [1e-320, 1.0]])
def test_a_subnormal_scale_loads_without_an_overflow_warning(tmp_path, dist, params, bounds):
    """Found by the fuzz test: a CDF through a subnormal width overflowed to inf (with a RuntimeWarning)."""
    import warnings

    path = tmp_path / "u.synth.json"
    sd.Schema("u", {"x": sd.Float(low=0, high=1)}).save(path)
    data = json.loads(path.read_text())
    data["columns"][0].update(dist=dist, params=params, bounds=bounds)
    path.write_text(json.dumps(data))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            model = sd.load(path)
        except ModelFileError:
            return
        model.sample(100, seed=1)
