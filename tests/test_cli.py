"""The synthdata console script samples and inspects datasets."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.cli import main

DATASET = """
import pytest_synthdata as sd
users = sd.Schema("users", {"id": sd.Id(), "age": sd.Integer(low=18, high=90), "vip": sd.Boolean(p=0.1),
                            "joined": sd.Date(), "seen": sd.Datetime()},
                  correlations={("age", "vip"): 0.3}, constraints=["joined < seen"])
not_a_model = 42
"""


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "datasets.py"
    path.write_text(DATASET)
    return f"{path}:users"


def test_sample_writes_csv_with_exact_rows_and_seed(target, tmp_path, capsys):
    out = tmp_path / "users.csv"
    assert main(["sample", target, "-n", "50", "--seed", "3", "-o", str(out)]) == 0
    df = pd.read_csv(out)
    assert len(df) == 50
    assert list(df.columns) == ["id", "age", "vip", "joined", "seen"]
    assert "50 rows of 'users', seed 3" in capsys.readouterr().err
    again = tmp_path / "again.csv"
    main(["sample", target, "-n", "50", "--seed", "3", "-o", str(again)])
    assert out.read_text() == again.read_text()


def test_sample_independent_gives_the_iid_rows(target, tmp_path):
    import importlib.util

    path = target.rsplit(":", 1)[0]
    spec = importlib.util.spec_from_file_location("cli_independent_datasets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    spread, iid = tmp_path / "spread.csv", tmp_path / "iid.csv"
    assert main(["sample", target, "-n", "40", "--seed", "3", "-o", str(spread)]) == 0
    assert main(["sample", target, "-n", "40", "--seed", "3", "--independent", "-o", str(iid)]) == 0
    expected = module.users.sample(40, seed=3, independent=True)
    pd.testing.assert_series_equal(pd.read_csv(iid)["age"], expected["age"])
    assert not pd.read_csv(spread)["age"].equals(expected["age"])


def test_sample_independent_on_a_model_without_the_option_says_so(tmp_path, capsys):
    (tmp_path / "plain.py").write_text(
        "import pandas as pd\n"
        "class Plain:\n"
        "    name = 'plain'\n"
        "    columns = ['a']\n"
        "    def sample(self, n, *, seed=None):\n"
        "        frame = pd.DataFrame({'a': range(n)})\n"
        "        frame.attrs['synthdata'] = {'dataset': 'plain', 'seed': seed}\n"
        "        return frame\n"
        "plain = Plain()\n"
    )
    assert main(["sample", f"{tmp_path / 'plain.py'}:plain", "-n", "2", "--seed", "1", "--independent"]) == 2
    assert "--independent: Plain.sample() takes no independent= option" in capsys.readouterr().err


def test_sample_to_stdout(target, capsys):
    assert main(["sample", target, "-n", "3", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "id,age,vip,joined,seen"
    assert len(lines) == 4


def test_inspect_lists_columns_and_correlations(target, capsys):
    assert main(["inspect", target]) == 0
    out = capsys.readouterr().out
    assert "dataset 'users': 5 columns" in out
    assert "joined < seen" in out
    assert "age" in out and "integer" in out and "generated" in out
    assert "age ~ vip: +0.300" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample", "no_colon_here"], "must look like 'package.module:name'"),
        (["sample", "missing.py:users"], "does not exist"),
        (["sample", "{path}:nope"], "has no attribute 'nope'"),
        (["sample", "{path}:not_a_model"], "is int, not a Schema or Model"),
        (["sample", "{path}:users", "-o", "out.xlsx"], "use a .csv or .parquet file name"),
        (["sample", "{path}:users", "-n", "-5"], "-n -5 (int) is negative; pass an int, 0 or more, such as -n 100"),
        (["sample", "no_such_pkg.mod:users"], "cannot import 'no_such_pkg.mod'"),
        (["sample", "{path}:users", "-o", "missing_dir/out.csv"], "directory 'missing_dir' does not exist"),
        (["sample", "{broken}:users"], "raised ZeroDivisionError"),
    ],
)
def test_errors_exit_2_with_a_message(target, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    path = target.rsplit(":", 1)[0]
    broken = tmp_path / "broken.py"
    broken.write_text("1 / 0\n")
    assert main([a.format(path=path, broken=broken) for a in args]) == 2
    assert message in capsys.readouterr().err


def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "pytest_synthdata.cli", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("pytest-synthdata ")


def test_output_suffix_is_case_insensitive(target, tmp_path):
    out = tmp_path / "USERS.CSV"
    assert main(["sample", target, "-n", "5", "--seed", "1", "-o", str(out)]) == 0
    assert len(pd.read_csv(out)) == 5


def test_parquet_output_or_a_clear_hint(target, tmp_path, capsys):
    import importlib.util

    out = tmp_path / "users.parquet"
    code = main(["sample", target, "-n", "5", "--seed", "1", "-o", str(out)])
    if importlib.util.find_spec("pyarrow") is None:
        assert code == 2
        assert "writing .parquet needs pyarrow: pip install pyarrow" in capsys.readouterr().err
    else:
        assert code == 0
        assert len(pd.read_parquet(out)) == 5


def test_file_targets_are_real_modules_and_sys_exit_is_reported(tmp_path, capsys):
    (tmp_path / "dc.py").write_text(
        "from __future__ import annotations\nimport dataclasses\nimport pytest_synthdata as sd\n"
        "@dataclasses.dataclass\nclass Row:\n    a: int\n"
        "people = sd.Schema('people', {'a': sd.Integer()})\n"
    )
    (tmp_path / "ex.py").write_text("import sys\nsys.exit(3)\n")
    assert main(["sample", f"{tmp_path / 'dc.py'}:people", "-n", "2", "--seed", "1"]) == 0
    assert main(["sample", f"{tmp_path / 'ex.py'}:people"]) == 2
    assert "called sys.exit(3)" in capsys.readouterr().err


# fit / model files ------------------------------------------------------------------------


@pytest.fixture
def real_csv(tmp_path):
    from tables_for_tests import customers

    path = tmp_path / "customers.csv"
    customers(800).to_csv(path, index=False)
    return path


def test_fit_writes_a_model_file_and_says_what_it_inferred(real_csv, tmp_path, capsys):
    out = tmp_path / "models" / "customers.synth.json"
    assert main(["fit", str(real_csv), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "fitted 'customers' on 800 rows x 8 columns" in printed and str(out) in printed
    assert "signup                   datetime" in printed  # ISO dates in a CSV become timestamps
    assert "email                    pii" in printed
    assert out.is_file()
    # sample the file, twice with one seed: the same bytes
    csv_a, csv_b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["sample", str(out), "-n", "300", "--seed", "5", "-o", str(csv_a)]) == 0
    assert main(["sample", str(out), "-n", "300", "--seed", "5", "-o", str(csv_b)]) == 0
    assert csv_a.read_text() == csv_b.read_text()
    df = pd.read_csv(csv_a)
    assert len(df) == 300 and list(df.columns) == list(pd.read_csv(real_csv).columns)


def test_fit_column_overrides_name_and_min_count(real_csv, tmp_path, capsys):
    out = tmp_path / "c.synth.json"
    args = ["fit", str(real_csv), "-o", str(out), "--name", "clients", "--column", "plan=pattern"]
    assert main([*args, "--column", "visits=ignore", "--min-count", "3"]) == 0
    printed = capsys.readouterr().out
    assert "fitted 'clients'" in printed and "plan                     pattern" in printed
    assert "visits                   ignored" in printed


def test_fit_public_declarations(real_csv, tmp_path):
    out = tmp_path / "c.synth.json"
    argv = ["fit", str(real_csv), "-o", str(out), "--public", "age=0:120", "--public", "plan=free,pro,enterprise,team"]
    assert main([*argv, "--public", "signup=2019-01-01:2025-12-31"]) == 0
    data = json.loads(out.read_text())
    spec = {c["name"]: c for c in data["columns"]}
    age = spec["age"].get("base", spec["age"])
    assert age["bounds"] == [0, 120]
    assert "team" in (spec["plan"].get("base") or spec["plan"])["categories"]
    assert data["info"]["privacy"]["public"]["signup"] == ["2019-01-01T00:00:00", "2025-12-31T00:00:00"]


def test_fit_parquet(real_csv, tmp_path):
    pytest.importorskip("pyarrow")
    parquet = tmp_path / "customers.parquet"
    pd.read_csv(real_csv).to_parquet(parquet)
    out = tmp_path / "customers.synth.json"
    assert main(["fit", str(parquet), "-o", str(out)]) == 0
    pq = tmp_path / "out.parquet"
    assert main(["sample", str(out), "-n", "20", "-o", str(pq)]) == 0
    assert len(pd.read_parquet(pq)) == 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--column", "plan"], "write NAME=KIND"),
        (["--column", "plan=colour"], "write NAME=KIND"),
        (["-o", "x.json"], "name model files"),
        (["--public", "age"], "write NAME=LOW:HIGH"),
        (["--public", "age=1:2:3"], "write NAME=LOW:HIGH"),
        (["--public", "age=20:30"], "reaches beyond the declared bounds"),
        (["--public", "plan=free,pro"], "also holds"),
    ],
)
def test_fit_bad_arguments(real_csv, tmp_path, capsys, args, message):
    argv = ["fit", str(real_csv), "-o", str(tmp_path / "m.synth.json"), *args]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_fit_missing_or_unreadable_input(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "m.synth.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "data.xlsx"
    bad.write_text("x")
    assert main(["fit", str(bad), "-o", str(tmp_path / "m.synth.json")]) == 2
    assert "give a .csv or .parquet file" in capsys.readouterr().err
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("a,b\n1,2\n")
    assert main(["fit", str(tiny), "-o", str(tmp_path / "m.synth.json")]) == 2
    assert "1 row but min_count=5" in capsys.readouterr().err


def test_fit_prints_progress_only_when_slow(real_csv, tmp_path, capsys, monkeypatch):
    import time as time_module

    out = tmp_path / "m.synth.json"
    assert main(["fit", str(real_csv), "-o", str(out)]) == 0
    assert "fitting" not in capsys.readouterr().err  # a quick fit is quiet
    clock = iter(range(0, 10_000, 2))  # every reading of the clock is 2 s later
    monkeypatch.setattr(time_module, "perf_counter", lambda: float(next(clock)))
    assert main(["fit", str(real_csv), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "synthdata: fitting 'm': column 1/8: customer_id" in err
    assert "estimating correlations" in err


def test_inspect_a_model_file(real_csv, tmp_path, capsys):
    out = tmp_path / "customers.synth.json"
    main(["fit", str(real_csv), "-o", str(out)])
    capsys.readouterr()
    assert main(["inspect", str(out), "--top", "3"]) == 0
    printed = capsys.readouterr().out
    assert "dataset 'customers': 8 columns" in printed
    assert "fitted on 800 rows x 8 columns" in printed
    assert re.search(r"plan\s+category\s+\S+\s+modelled\s+'\w+' \d+%", printed)
    assert re.search(r"income\s+float\s+float64\s+modelled, \d+% null", printed)
    assert "strongest rank correlations (Spearman, 3 of" in printed
    assert "age ~ income" in printed or "income ~ plan" in printed


def test_sample_and_inspect_broken_model_files(tmp_path, capsys):
    broken = tmp_path / "x.synth.json"
    broken.write_text('{"format": "pytest-synthdata model", "version": 99}')
    assert main(["inspect", str(broken)]) == 2
    assert "model format version 99" in capsys.readouterr().err
    pkl = tmp_path / "x.synth.pkl"
    pkl.write_bytes(b"pytest-synthdata/sdv-model\n")
    assert main(["sample", str(pkl)]) == 2
    assert "--trust" in capsys.readouterr().err


def test_fit_reads_semicolon_separated_files(tmp_path, capsys):
    data = tmp_path / "eu.csv"
    data.write_text("price;city\n" + "".join(f"{10 + i % 7},5;{'AB'[i % 2]}town\n" for i in range(60)))
    out = tmp_path / "eu.synth.json"
    assert main(["fit", str(data), "-o", str(out)]) == 0
    assert "price" in capsys.readouterr().out and "city" in sd_columns(out)


def sd_columns(path):
    import pytest_synthdata as sd

    return sd.load(path).columns


def test_fit_errors_stay_on_one_line(tmp_path, capsys):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5,6\n")
    assert main(["fit", str(ragged), "-o", str(tmp_path / "m.synth.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be read" in err
    blocked = tmp_path / "afile"
    blocked.write_text("x")
    good = tmp_path / "good.csv"
    good.write_text("a\n" + "\n".join(str(i % 9) for i in range(50)) + "\n")
    assert main(["fit", str(good), "-o", str(blocked / "m.synth.json")]) == 2
    assert "cannot be written" in capsys.readouterr().err
    assert main(["fit", str(good), "-o", str(tmp_path / "1abc.synth.json")]) == 2
    assert "pass --name" in capsys.readouterr().err


def test_inspect_names_columns_missing_together(tmp_path, capsys):
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "c": rng.normal(size=300)})
    df.loc[df["c"] > 1, ["a", "b"]] = np.nan
    path = sd.fit(df, name="joined").save(tmp_path / "joined.synth.json")
    assert main(["inspect", str(path), "--top", "20"]) == 0
    printed = capsys.readouterr().out
    assert "missing together (one null flag): a, b" in printed
    assert "c ~ a, b are null" in printed or "a, b are null ~ c" in printed
    assert "a ~ a, b are null" not in printed and "b ~ a, b are null" not in printed  # never seen together


# never a traceback ----------------------------------------------------------------------------

RAISING = """
import pandas as pd

class Raising:
    name = "raising"
    columns = ["a"]
    def __init__(self, error):
        self.error = error
    def sample(self, n, *, seed=None):
        raise self.error

boom = Raising(RuntimeError("boom\\nsecond line"))
no_memory = Raising(MemoryError())
disk_full = Raising(OSError(28, "No space left on device"))
interrupted = Raising(KeyboardInterrupt())
too_deep = Raising(RecursionError("maximum recursion depth exceeded"))
"""


@pytest.fixture
def raising(tmp_path):
    path = tmp_path / "raising.py"
    path.write_text(RAISING)
    return path


@pytest.mark.parametrize("command", ["fit", "inspect", "sample"])
def test_a_directory_given_as_the_input_or_target_says_it_is_a_directory(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    argv = [command, "."] + (["-o", "m.synth.json"] if command == "fit" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("synthdata: error: ") and "'.' is a directory" in err


def test_a_directory_named_like_a_model_file_or_module_says_it_is_a_directory(tmp_path, capsys):
    (tmp_path / "m.synth.json").mkdir()
    (tmp_path / "pkg.py").mkdir()
    assert main(["inspect", str(tmp_path / "m.synth.json")]) == 2
    assert "is a directory; give a model file" in capsys.readouterr().err
    assert main(["sample", f"{tmp_path / 'pkg.py'}:users"]) == 2
    assert "pkg.py' is a directory; name a .py file" in capsys.readouterr().err


@pytest.mark.parametrize(("top", "problem"), [("-3", "-3 is not 1 or more"), ("0", "0 is not 1 or more")])
def test_inspect_top_must_be_one_or_more(target, capsys, top, problem):
    with pytest.raises(SystemExit) as info:
        main(["inspect", target, "--top", top])
    assert info.value.code == 2
    assert f"synthdata inspect: error: argument --top: {problem}; pass 1 or more, e.g. 10" in capsys.readouterr().err


def test_inspect_shows_a_boolean_columns_true_rate_and_null_rate(tmp_path, capsys):
    (tmp_path / "flags.py").write_text(
        "import pytest_synthdata as sd\n"
        "flags = sd.Schema('flags', {'vip': sd.Boolean(p=0.1, null_rate=0.2), 'rare': sd.Boolean(p=0.0004)})\n"
    )
    assert main(["inspect", f"{tmp_path / 'flags.py'}:flags"]) == 0
    lines = capsys.readouterr().out.splitlines()
    vip = next(line for line in lines if line.strip().startswith("vip"))
    rare = next(line for line in lines if line.strip().startswith("rare"))
    assert "20% null" in vip and vip.endswith("True in 10% of non-null rows")
    assert "null" not in rare and rare.endswith("True in 0.04% of rows")  # not a rounded 0%


def test_inspect_shows_a_fitted_boolean_columns_rate(tmp_path, capsys):
    df = pd.DataFrame({"paid": [True] * 75 + [False] * 25, "x": np.arange(100.0)})
    path = sd.fit(df, name="bills").save(tmp_path / "bills.synth.json")
    assert main(["inspect", str(path)]) == 0
    assert "True in 75% of rows" in capsys.readouterr().out


@pytest.mark.parametrize("n", ["100000000000", str(10**12), str(10**30)])
def test_a_huge_n_is_a_clear_error_not_a_traceback(target, capsys, n):
    assert main(["sample", target, "-n", n, "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"synthdata: error: -n {n} (int) is too many rows") and "memory" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_running_out_of_memory_is_a_clear_error(raising, capsys):
    assert main(["sample", f"{raising}:no_memory", "-n", "5"]) == 2
    assert capsys.readouterr().err == (
        f"synthdata: error: sample '{raising}:no_memory': not enough memory; ask for fewer rows (-n) or free some "
        "memory.\n"
    )


def test_a_deeply_nested_model_file_is_an_error_not_a_traceback(tmp_path, capsys):
    deep = tmp_path / "deep.synth.json"
    deep.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000)
    for command in ("inspect", "sample", "audit"):
        assert main([command, str(deep)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("synthdata: error: ") and "deep.synth.json" in err
        assert "Traceback" not in err and len(err.splitlines()) == 1


def test_a_recursion_error_is_a_clear_error(raising, capsys):
    assert main(["sample", f"{raising}:too_deep", "-n", "5"]) == 2
    assert capsys.readouterr().err == (
        f"synthdata: error: sample '{raising}:too_deep': nested too deeply to read (a file of nested brackets?).\n"
    )


def test_os_errors_and_interrupts_are_one_line(raising, capsys):
    assert main(["sample", f"{raising}:disk_full", "-n", "5"]) == 2
    assert capsys.readouterr().err == (
        f"synthdata: error: sample '{raising}:disk_full': [Errno 28] No space left on device\n"
    )
    assert main(["sample", f"{raising}:interrupted", "-n", "5"]) == 130
    assert capsys.readouterr().err == "synthdata: interrupted\n"


def test_an_unexpected_error_is_one_line_asking_for_a_report_and_traceback_shows_it(raising, capsys, monkeypatch):
    assert main(["sample", f"{raising}:boom", "-n", "5"]) == 70  # not 1: audit's "breaks the policy"
    err = capsys.readouterr().err
    assert err.startswith("synthdata: internal error: RuntimeError: boom\n")
    assert "please report it" in err and "--traceback" in err and "Traceback" not in err
    assert "second line" not in err
    with pytest.raises(RuntimeError, match="boom"):
        main(["--traceback", "sample", f"{raising}:boom", "-n", "5"])
    monkeypatch.setenv("SYNTHDATA_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["sample", f"{raising}:boom", "-n", "5"])


def test_the_console_script_prints_no_traceback_for_a_nested_file(tmp_path):
    deep = tmp_path / "deep.synth.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = subprocess.run(
        [sys.executable, "-m", "pytest_synthdata.cli", "inspect", str(deep)], capture_output=True, text=True
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("synthdata: error: ")
