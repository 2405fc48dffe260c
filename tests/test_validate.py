"""Bad names, row counts and seeds fail the same way through every entry point (one table, one rule each)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata import _validate
from pytest_synthdata.cli import main
from pytest_synthdata.errors import InvalidArgument

DECLARED = {"a": sd.Integer(low=0, high=9)}
CONFTEST = "import pytest_synthdata as sd\nsd.register(sd.Schema('t', {'a': sd.Integer(low=0, high=9)}))\n"
BIG = 2**63  # one past the largest seed


def raised(call) -> str:
    with pytest.raises(InvalidArgument) as info:
        call()
    return str(info.value)


def printed_by_cli(*argv: str) -> str:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(list(argv)) == 2
    return err.getvalue()


def in_a_test(pytester, source: str, *args: str) -> str:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_inner="import pytest\n\n" + source)
    result = pytester.runpytest("-p", "no:randomly", *args)
    assert result.ret != pytest.ExitCode.OK
    return result.stdout.str() + result.stderr.str()


class Plain:
    """A third-party model: only the protocol, no checks of its own."""

    def __init__(self, name: object) -> None:
        self.name = name
        self.columns = ["a"]
        self.dtypes = {"a": "int64"}

    def sample(self, n: int, *, seed: int | None = None) -> pd.DataFrame:
        return pd.DataFrame({"a": range(n)})


def through_schema(pytester, value):
    return raised(lambda: sd.Schema(value, DECLARED))


def through_fit(pytester, value):
    return raised(lambda: sd.fit(pd.DataFrame({"a": [1, 2, 3] * 10}), name=value))


def through_register(pytester, value):
    return raised(lambda: sd.register(Plain(value)))


def through_model_file(pytester, value):
    folder = pytester.mkdir("tests").joinpath("synthdata")
    folder.mkdir()
    folder.joinpath(f"{value}.synth.json").write_text("{}")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.OK  # (a file whose name makes no fixture is left out, with a warning)
    return result.stdout.str()


def through_cli_fit(pytester, value):
    data = pytester.path / "data.csv"
    data.write_text("a\n" + "1\n" * 20)
    return printed_by_cli("fit", str(data), "-o", str(pytester.path / "m.synth.json"), "--name", value)


def through_sample_rows(pytester, value):
    return raised(lambda: sd.Schema("t", DECLARED).sample(value, seed=1))


def through_sample_seed(pytester, value):
    return raised(lambda: sd.Schema("t", DECLARED).sample(3, seed=value))


def through_factory_rows(pytester, value):
    return in_a_test(pytester, f"def test_x(synth_t_factory):\n    synth_t_factory({value!r})\n")


def through_factory_seed(pytester, value):
    return in_a_test(pytester, f"def test_x(synth_t_factory):\n    synth_t_factory(3, seed={value!r})\n")


def through_marker_rows(pytester, value):
    return in_a_test(pytester, f"@pytest.mark.synthdata(rows={value!r})\ndef test_x(synth_t):\n    pass\n")


def through_marker_seed(pytester, value):
    return in_a_test(pytester, f"@pytest.mark.synthdata(seed={value!r})\ndef test_x(synth_t):\n    pass\n")


def through_ini_rows(pytester, value):
    pytester.makeini(f"[pytest]\nsynthdata_rows = {value}\n")
    return in_a_test(pytester, "def test_x(synth_t):\n    pass\n")


def through_seed_option(pytester, value):
    return in_a_test(pytester, "def test_x(synth_t):\n    pass\n", f"--synthdata-seed={value}")


def _cli_target(pytester) -> str:
    module = pytester.makepyfile(people="import pytest_synthdata as sd\nt = sd.Schema('t', {'a': sd.Integer()})\n")
    return f"{module}:t"


def through_cli_rows(pytester, value):
    return printed_by_cli("sample", _cli_target(pytester), "-n", value)


def through_cli_seed(pytester, value):
    return printed_by_cli("sample", _cli_target(pytester), "--seed", value)


NOT_A_NAME = "is not a dataset name: it becomes the fixture synth_<name>, so it must be a Python identifier"
ROWS_FIX = "pass an int, 0 or more, such as"
SEED_FIX = "pass an int from 0 to 2**63 - 1, such as"

BAD = [
    # (entry point, bad value, what the message must say: the argument, the value, its type, the rule or fix)
    (through_schema, "my-data", f"Schema: name='my-data' (str) {NOT_A_NAME}"),
    (through_schema, "1st", "name='1st' (str) is not a dataset name"),
    (through_schema, "class", "name='class' (str) is not a dataset name"),
    (through_schema, "", "e.g. name='customers'"),
    (through_schema, None, "name=None (NoneType) is not a dataset name"),
    (through_schema, 3, "name=3 (int) is not a dataset name"),
    (through_fit, "my-data", "name='my-data'"),  # _fit keeps its own message until it calls _validate.check_name
    (through_fit, "class", "name='class'"),
    (through_register, "my-data", f"register(): Plain.name='my-data' (str) {NOT_A_NAME}"),
    (through_register, "def", "register(): Plain.name='def' (str) is not a dataset name"),
    (through_register, None, "register(): Plain.name=None (NoneType) is not a dataset name"),
    (through_model_file, "my-data", "my-data.synth.json' is left out"),
    (through_cli_fit, "my-data", "--name='my-data' (str) is not a dataset name"),
    (through_cli_fit, "import", "--name='import' (str) is not a dataset name"),
    (through_sample_rows, -1, f"n=-1 (int) is negative; {ROWS_FIX} n=100."),
    (through_sample_rows, 2.5, "n=2.5 (float) is not a row count"),
    (through_sample_rows, "10", "n='10' (str) is not a row count"),
    (through_sample_rows, True, "n=True (bool) is not a row count"),
    (through_sample_rows, None, "n=None (NoneType) is not a row count"),
    (through_factory_rows, -1, f"synth_t_factory(): n=-1 (int) is negative; {ROWS_FIX} synth_t_factory(100)"),
    (through_factory_rows, 2.5, "synth_t_factory(): n=2.5 (float) is not a row count"),
    (through_factory_rows, "10", "synth_t_factory(): n='10' (str) is not a row count"),
    (through_factory_rows, True, "synth_t_factory(): n=True (bool) is not a row count"),
    (through_marker_rows, -1, f"@pytest.mark.synthdata: rows=-1 (int) is negative; {ROWS_FIX} rows=100."),
    (through_marker_rows, "10", "@pytest.mark.synthdata: rows='10' (str) is not a row count"),
    (through_marker_rows, 2.5, "@pytest.mark.synthdata: rows=2.5 (float) is not a row count"),
    (through_marker_rows, False, "@pytest.mark.synthdata: rows=False (bool) is not a row count"),
    (
        through_ini_rows,
        "lots",
        f"ini option: synthdata_rows='lots' (str) is not a row count; {ROWS_FIX} synthdata_rows=100.",
    ),
    (through_ini_rows, "-5", "ini option: synthdata_rows=-5 (int) is negative"),
    (through_ini_rows, "2.5", "ini option: synthdata_rows='2.5' (str) is not a row count"),
    (through_cli_rows, "-5", f"-n -5 (int) is negative; {ROWS_FIX} -n 100."),
    (through_cli_rows, "lots", "-n 'lots' (str) is not a row count"),
    (through_cli_rows, "2.5", "-n '2.5' (str) is not a row count"),
    (through_sample_seed, -1, f"seed=-1 (int) is out of range; {SEED_FIX} seed=42, or None for a fresh random seed."),
    (through_sample_seed, BIG, f"seed={BIG} (int) is out of range"),
    (through_sample_seed, 1.5, "seed=1.5 (float) is not a seed"),
    (through_sample_seed, "7", "seed='7' (str) is not a seed"),
    (through_sample_seed, True, "seed=True (bool) is not a seed"),
    (through_factory_seed, -1, f"synth_t_factory(): seed=-1 (int) is out of range; {SEED_FIX} seed=42."),
    (through_factory_seed, BIG, f"synth_t_factory(): seed={BIG} (int) is out of range"),
    (through_factory_seed, "7", "synth_t_factory(): seed='7' (str) is not a seed"),
    (through_factory_seed, True, "synth_t_factory(): seed=True (bool) is not a seed"),
    (through_marker_seed, -1, f"@pytest.mark.synthdata: seed=-1 (int) is out of range; {SEED_FIX} seed=42."),
    (through_marker_seed, BIG, f"@pytest.mark.synthdata: seed={BIG} (int) is out of range"),
    (through_marker_seed, "7", "@pytest.mark.synthdata: seed='7' (str) is not a seed"),
    (through_marker_seed, 1.5, "@pytest.mark.synthdata: seed=1.5 (float) is not a seed"),
    (through_marker_seed, True, "@pytest.mark.synthdata: seed=True (bool) is not a seed"),
    (
        through_seed_option,
        "banana",
        f"--synthdata-seed='banana' (str) is not a seed; {SEED_FIX} --synthdata-seed=42, or 'random' or 'last'.",
    ),
    (through_seed_option, "-1", "--synthdata-seed=-1 (int) is out of range"),
    (through_seed_option, str(BIG), f"--synthdata-seed={BIG} (int) is out of range"),
    (through_seed_option, "1.5", "--synthdata-seed='1.5' (str) is not a seed"),
    (through_cli_seed, "-1", f"--seed=-1 (int) is out of range; {SEED_FIX} --seed=42, or leave it out"),
    (through_cli_seed, "x", "--seed='x' (str) is not a seed"),
    (through_cli_seed, str(BIG), f"--seed={BIG} (int) is out of range"),
]


@pytest.mark.parametrize(
    ("through", "value", "message"),
    BAD,
    ids=[f"{through.__name__.removeprefix('through_')}-{value!r}" for through, value, _ in BAD],
)
def test_a_bad_value_is_named_with_its_type_and_a_fix_wherever_it_is_given(pytester, through, value, message):
    assert message in through(pytester, value)


@pytest.mark.parametrize("value", ["customers", "_x", "café", "data_2024"])
def test_good_names_pass_unchanged(value):
    assert _validate.check_name(value) == value
    assert _validate.suggest_name(value) == value


@pytest.mark.parametrize("value", ["my-data", "1st", "class", "", None, 3, "a b", "None"])
def test_every_suggested_name_is_a_good_one(value):
    assert _validate.check_name(_validate.suggest_name(value)) == _validate.suggest_name(value)


def test_limits_are_inclusive():
    assert _validate.check_rows(0) == 0
    assert _validate.check_rows(np.int64(3)) == 3
    assert _validate.check_seed(0) == 0
    assert _validate.check_seed(2**63 - 1) == 2**63 - 1
    assert _validate.check_seed(np.uint64(5)) == 5
    assert _validate.rows_from_text(" 12 ", argument="synthdata_rows") == 12
    assert _validate.seed_from_text("7", argument="--seed") == 7
