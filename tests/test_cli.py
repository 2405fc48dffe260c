"""The synthdata console script samples and inspects datasets."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

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
        (["sample", "{path}:users", "-n", "-5"], "n=-5 is negative"),
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
