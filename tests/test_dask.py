"""Dask: to_dask's partitions add up to exactly sample(); the CLI writes partitioned Parquet through Dask."""

from __future__ import annotations

import pickle
import sys
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from tables_for_tests import customers

import pytest_synthdata as sd
from pytest_synthdata import _dask
from pytest_synthdata.cli import main
from pytest_synthdata.errors import InvalidArgument, PoolExhausted, UnknownParameter

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")


def declared() -> sd.Schema:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sd.Schema(
            "orders",
            {
                "order_id": sd.Id("ORD-{:06d}"),
                "seq": sd.Id(start=100),
                "token": sd.Id("uuid"),
                "customer": sd.Faker("name"),
                "email": sd.Faker("email", unique=True, pool_size=20_000),
                "placed": sd.Date(low="2024-01-01", high="2024-12-31"),
                "shipped": sd.Date(low="2024-01-01", high="2025-02-28"),
                "amount": sd.Float(median=40, sigma=0.6, decimals=2, low=1, null_rate=0.1),
                "items": sd.Integer(lam=2.5, distribution="poisson", low=1),
                "status": sd.Category({"new": 0.2, "paid": 0.5, "shipped": 0.3}, null_rate=0.05),
                "gift": sd.Boolean(p=0.1),
                "total": sd.Derived(lambda df: df["amount"] * df["items"]),
            },
            correlations={("amount", "items"): 0.6, ("status", "amount"): 0.2},
            constraints=["placed <= shipped"],
        )


def table() -> pd.DataFrame:
    """Customers with object, category, int32, nullable and date columns, and an order between two dates."""
    df = customers(3000)
    df["plan_obj"] = df["plan"].astype(object)
    df["tier"] = df["plan"].astype("category")
    df["small"] = df["visits"].astype("int32")
    df["amount"] = df["income"].astype("Float64")
    df["last_seen"] = df["signup"] + pd.to_timedelta(np.random.default_rng(1).integers(0, 400, len(df)), unit="D")
    return df


@pytest.fixture(scope="module")
def fitted() -> sd.Model:
    model = sd.fit(table(), name="customers")
    # segments, nulls, and a date after another (an order constraint, or a gap column)
    assert model.segment is not None and model.latent_nulls and (model.constraints or model._gaps)
    return model


@pytest.fixture(scope="module")
def loaded() -> sd.Model:
    return sd.load("examples/synthdata/penguins.synth.json")


@pytest.fixture(scope="module")
def models(fitted, loaded) -> dict[str, sd.Model]:
    return {"declared": declared(), "fitted": fitted, "loaded": loaded}


def same_bytes(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert pd.util.hash_pandas_object(got).equals(pd.util.hash_pandas_object(expected))
    assert got.attrs == expected.attrs


@pytest.mark.parametrize("kind", ["declared", "fitted", "loaded"])
@pytest.mark.parametrize("independent", [False, True])
def test_partitions_concatenated_are_the_sample_byte_for_byte(models, kind, independent):
    model = models[kind]
    n = 3 * 4096 + 1000  # partitions that cut latent blocks, and an uneven last one
    ddf = model.to_dask(n, seed=11, partition_rows=3000, independent=independent)
    assert ddf.npartitions == 5
    assert ddf.divisions == (0, 3000, 6000, 9000, 12000, n - 1)
    same_bytes(ddf.compute(scheduler="sync"), model.sample(n, seed=11, independent=independent))


@pytest.mark.parametrize(
    "conditions",
    [
        {"status": "paid"},
        {"amount": (50, None), "gift": True},
        {"shipped": ("2024-06-01", None)},  # held under the order constraint placed <= shipped
        pd.DataFrame({"status": ["new", None, "paid"] * 3000}),  # one row of conditions a sampled row
    ],
    ids=["value", "range-and-value", "constrained-column", "per-row"],
)
def test_conditions_pass_through_to_every_partition(models, conditions):
    model = models["declared"]
    ddf = model.to_dask(9000, seed=3, partition_rows=2000, conditions=conditions)
    same_bytes(ddf.compute(scheduler="sync"), model.sample(9000, seed=3, conditions=conditions))


@pytest.mark.parametrize(
    "options",
    [{"edge_cases": 0.2}, {"edge_cases": 0.3, "edge_kinds": ["tail", "null"]}, {"balance": "status"}],
    ids=["edge-cases", "edge-kinds", "balance"],
)
def test_edge_cases_and_balance_pass_through_to_every_partition(models, options):
    model = models["declared"]
    ddf = model.to_dask(9000, seed=4, partition_rows=2000, **options)
    whole = model.sample(9000, seed=4, **options)
    same_bytes(ddf.compute(scheduler="sync"), whole)
    if "edge_cases" in options:
        assert len(whole.attrs["synthdata"]["edges"]) == round(options["edge_cases"] * 9000)


def test_impossible_conditions_fail_when_the_frame_is_made(models):
    with pytest.raises(sd.errors.ConditionError):
        models["declared"].to_dask(100, seed=1, conditions={"status": "lost"})


def ruled(*extra) -> sd.Schema:
    return sd.Schema(
        "orders",
        {
            "invoice": sd.Integer(low=1, high=1_000_000),
            "price": sd.Float(low=1, high=100, decimals=2),
            "discount": sd.Float(low=0, high=50, decimals=2),
        },
        constraints=[sd.Predicate(lambda df: df["discount"] <= df["price"] / 2, name="fair discount"), *extra],
    )


def test_a_predicate_row_constraint_holds_and_partitions_are_the_sample(client):
    model = ruled()
    full = model.sample(9000, seed=6)
    assert (full["discount"] <= full["price"] / 2).all()
    ddf = model.to_dask(9000, seed=6, partition_rows=2500)
    same_bytes(ddf.compute(scheduler="sync"), full)
    same_bytes(client.compute(ddf).result(), full)  # (the predicate travels beside the text)
    shipped = pickle.loads(cloudpickle.dumps(_dask.Partitions(model, 9000, 6, {})))
    same_bytes(shipped((2500, 5000)), full.iloc[2500:5000])


def test_a_unique_row_constraint_says_why_partitions_cannot_hold_it():
    model = ruled(sd.Unique("invoice"))
    message = r"Unique\('invoice'\).* depends on every row before it .*sd\.Id or sd\.Faker\(\.\.\., unique=True\)"
    with pytest.raises(sd.errors.UnsupportedFeature, match=message):
        model.to_dask(1000, seed=1)
    with pytest.raises(sd.errors.UnsupportedFeature, match=message):
        model.sample(1000, seed=1, rows=(10, 20))
    assert model.sample(1000, seed=1)["invoice"].is_unique  # (the whole frame still keeps it)


def test_each_partition_is_its_range_of_rows_including_the_uneven_last_one(models):
    model = models["declared"]
    n = 10_001
    full = model.sample(n, seed=2)
    ddf = model.to_dask(n, seed=2, partition_rows=4096)
    bounds = [(0, 4096), (4096, 8192), (8192, n)]
    assert ddf.npartitions == len(bounds)
    for i, (start, stop) in enumerate(bounds):
        same_bytes(ddf.partitions[i].compute(scheduler="sync"), full.iloc[start:stop])


def test_ids_and_unique_faker_values_stay_unique_across_partitions(models):
    out = models["declared"].to_dask(12_000, seed=4, partition_rows=1000).compute(scheduler="sync")
    for column in ("order_id", "seq", "token", "email"):
        assert out[column].is_unique, column
    assert out["seq"].tolist() == list(range(100, 12_100))


def test_a_unique_column_without_room_for_every_row_fails_when_the_frame_is_made():
    users = sd.Schema("users", {"user": sd.Faker("user_name", unique=True), "x": sd.Float(low=0, high=1)})
    with pytest.raises(PoolExhausted, match="'user': unique=True needs 30000 distinct values"):
        users.to_dask(30_000, seed=1, partition_rows=1000)


def test_a_unique_email_column_past_its_pool_is_the_sample_partition_by_partition(models):
    """E-mails go on past their pool by plus addressing: on Dask too, the same rows as the in-memory sample."""
    model = models["declared"]
    ddf = model.to_dask(30_000, seed=1, partition_rows=7_000)
    same_bytes(ddf.compute(scheduler="sync"), model.sample(30_000, seed=1))


def test_seed_none_draws_one_seed_recorded_in_every_partition(models):
    model = models["loaded"]
    ddf = model.to_dask(5000, partition_rows=2000)
    out = ddf.compute(scheduler="sync")
    seed = out.attrs["synthdata"]["seed"]
    assert isinstance(seed, int)
    assert ddf.partitions[2].compute(scheduler="sync").attrs["synthdata"] == out.attrs["synthdata"]
    assert out.attrs["synthdata"] == {"dataset": "penguins", "seed": seed, "generated": []}
    same_bytes(out, model.sample(5000, seed=seed))


@pytest.mark.parametrize("convert_string", [None, True, False])
@pytest.mark.parametrize("kind", ["declared", "fitted", "loaded"])
def test_meta_dtypes_are_the_samples_whatever_dasks_string_conversion(models, kind, convert_string):
    model = models[kind]
    expected = model.sample(100, seed=3).dtypes
    with dask.config.set({"dataframe.convert-string": convert_string}):
        ddf = model.to_dask(100, seed=3, partition_rows=40)
        pd.testing.assert_series_equal(ddf.dtypes, expected)  # without computing anything
        pd.testing.assert_series_equal(ddf.compute(scheduler="sync").dtypes, expected)
    assert ddf._meta.attrs["synthdata"] == model.sample(100, seed=3).attrs["synthdata"]
    assert {k: ddf._meta.attrs["synthdata"][k] for k in ("dataset", "seed")} == {"dataset": model.name, "seed": 3}


def test_an_object_column_stays_object_where_dask_would_make_it_pyarrow_strings(fitted):
    assert fitted.dtypes["plan_obj"] == "object"
    with dask.config.set({"dataframe.convert-string": True}):
        ddf = fitted.to_dask(50, seed=1, partition_rows=20)
    assert ddf.dtypes["plan_obj"] == np.dtype(object)
    assert ddf["plan_obj"].compute(scheduler="sync").dtype == np.dtype(object)


def test_zero_rows_is_one_empty_partition_with_the_dtypes(models):
    model = models["declared"]
    ddf = model.to_dask(0, seed=1)
    assert ddf.npartitions == 1
    same_bytes(ddf.compute(scheduler="sync"), model.sample(0, seed=1))


def test_default_partitions_hold_whole_latent_blocks_of_about_100_mb(loaded):
    ddf = loaded.to_dask(3_000_000, seed=1)
    step = ddf.divisions[1]
    assert step % 4096 == 0 and ddf.npartitions == -(-3_000_000 // step)
    assert 50e6 < step * _dask.row_bytes(loaded.dtypes) <= 100e6


def test_workers_receive_the_model_file_text_and_functions_not_the_model(models):
    model = models["declared"]
    model.sample(10, seed=0)  # (fills the model's caches: Faker pools)
    ddf = model.to_dask(9000, seed=5, partition_rows=4000)
    partitions = _dask.Partitions(model, 9000, 5, {})
    blob = cloudpickle.dumps(partitions)  # (as Dask sends a task)
    assert len(blob) < len(partitions.text) + 5000
    assert b"_pii" not in blob and b"pool" not in blob.replace(b"pool_s", b"")
    shipped = pickle.loads(blob)
    assert shipped._model is None
    same_bytes(shipped((4000, 8000)), model.sample(9000, seed=5).iloc[4000:8000])
    assert shipped.model is not model and shipped.model.columns == model.columns
    assert _dask.Partitions(model, 9000, 5, {}).key == partitions.key  # one model build per worker process
    assert ddf.npartitions == 3


def test_a_function_that_cannot_be_pickled_says_which_column():
    lock = threading.Lock()
    model = sd.Schema(
        "people",
        {"age": sd.Integer(low=18, high=90), "busy": sd.Derived(lambda df: df["age"] > (50 if lock else 60))},
    )
    with pytest.raises(InvalidArgument, match="column 'busy': its function cannot be sent to Dask workers"):
        model.to_dask(100, seed=1)


def test_an_untrusted_computed_column_fails_when_the_frame_is_made(tmp_path, monkeypatch):
    (tmp_path / "people_functions.py").write_text("def double(df):\n    return df['age'] * 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    model = sd.Schema("people", {"age": sd.Integer(low=18, high=90), "x": sd.Derived("people_functions:double")})
    path = model.save(tmp_path / "people.synth.json")
    with pytest.raises(InvalidArgument, match=r"load it with sd\.load"):
        sd.load(path).to_dask(100, seed=1)
    trusted = sd.load(path, trust=True)
    same_bytes(trusted.to_dask(100, seed=1, partition_rows=30).compute(scheduler="sync"), trusted.sample(100, seed=1))


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"partition_rows": 0}, InvalidArgument, r"partition_rows=0 \(int\) is not 1 or more"),
        ({"partition_rows": -5}, InvalidArgument, "is not 1 or more"),
        ({"partition_rows": 1.5}, InvalidArgument, r"partition_rows=1.5 \(float\) is not a row count"),
        ({"partition_rows": True}, InvalidArgument, "is not a row count"),
        ({"partition_rows": "1000"}, InvalidArgument, "is not a row count"),
        ({"seed": -1}, InvalidArgument, "seed=-1"),
        ({"rows": (0, 10)}, InvalidArgument, "rows=.* is set per partition"),
        ({"condition": {"age": 30}}, UnknownParameter, "'condition' is not an option of Schema.sample"),
        ({"independent": "yes"}, InvalidArgument, "independent='yes'"),
    ],
)
def test_bad_arguments_get_clear_errors(arguments, error, match):
    model = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
    with pytest.raises(error, match=match):
        model.to_dask(100, **arguments)


@pytest.mark.parametrize("n", [-1, 2.5, None])
def test_a_bad_row_count_gets_a_clear_error(n):
    with pytest.raises(InvalidArgument, match=r"is not a row count|is negative"):
        sd.Schema("people", {"age": sd.Integer()}).to_dask(n)


def test_without_the_extra_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    model = sd.Schema("people", {"age": sd.Integer()})
    with pytest.raises(InvalidArgument, match=r'^sampling on Dask needs the optional extra: pip install "pytest-synt'):
        model.to_dask(10)


# on a dask.distributed cluster --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as local:
        yield local


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster) as connected:
        yield connected


def test_a_two_worker_cluster_computes_the_sample(client, models):
    for model in models.values():
        ddf = model.to_dask(9000, seed=8, partition_rows=2500)
        same_bytes(client.compute(ddf).result(), model.sample(9000, seed=8))


@pytest.mark.slow
def test_worker_processes_build_the_model_from_its_text_and_run_shipped_functions(models):
    model = models["declared"]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as local,
        distributed.Client(local) as connected,
    ):
        ddf = model.to_dask(18_000, seed=9, partition_rows=5000)
        same_bytes(connected.compute(ddf).result(), model.sample(18_000, seed=9))
        pids = connected.run(lambda: __import__("os").getpid())
        assert len(set(pids.values())) == 2


# the CLI ----------------------------------------------------------------------------------------------------------

PEOPLE = """
import pytest_synthdata as sd
people = sd.Schema("people", {"id": sd.Id(), "age": sd.Integer(low=18, high=90), "name": sd.Faker("name"),
                              "adult": sd.Derived(lambda df: df["age"] >= 21)})
"""


def parquet_of(frame: pd.DataFrame, path) -> pd.DataFrame:
    frame.to_parquet(path, index=False)
    return pd.read_parquet(path)


def test_cli_writes_partitioned_parquet_that_reads_back_as_the_sample(cluster, tmp_path, capsys):
    model = sd.load("examples/synthdata/penguins.synth.json")
    out = tmp_path / "out"
    args = ["sample", "examples/synthdata/penguins.synth.json", "-n", "25000", "--seed", "3", "-o", str(out)]
    code = main([*args, "--format", "parquet", "--scheduler", cluster.scheduler_address, "--partition-rows", "1e4"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [f"part.00000{i}.parquet" for i in range(3)]
    got = pd.read_parquet(out)
    same_bytes(got, parquet_of(model.sample(25_000, seed=3), tmp_path / "one.parquet"))
    err = capsys.readouterr().err
    assert "synthdata: [" in err and "3/3 partitions, 25,000 rows" in err
    assert "25000 rows of 'penguins' in 3 Parquet files" in err and "seed 3" in err


def test_cli_parquet_of_a_fitted_model_keeps_every_dtype(cluster, fitted, tmp_path, capsys):
    path = fitted.save(tmp_path / "customers.synth.json")
    out = tmp_path / "out"
    args = ["sample", str(path), "-n", "9000", "--seed", "2", "-o", str(out), "--partition-rows", "4000"]
    assert main([*args, "--scheduler", cluster.scheduler_address]) == 0, capsys.readouterr().err
    assert main(["sample", str(path), "-n", "9000", "--seed", "2", "-o", str(tmp_path / "one.parquet")]) == 0
    got, expected = pd.read_parquet(out), pd.read_parquet(tmp_path / "one.parquet")
    assert {"category", "object", "Float64", "int32"} <= {str(t) for t in fitted.dtypes.values()}
    same_bytes(got, expected)


def test_cli_ships_the_functions_of_a_target_file(cluster, tmp_path, capsys):
    source = tmp_path / "people_models.py"
    source.write_text(PEOPLE)
    out = tmp_path / "people"
    target = f"{source}:people"
    code = main(
        ["sample", target, "-n", "5000", "--seed", "1", "-o", str(out), "--scheduler", cluster.scheduler_address]
    )
    assert code == 0, capsys.readouterr().err
    assert main(["sample", target, "-n", "5000", "--seed", "1", "-o", str(tmp_path / "one.parquet")]) == 0
    same_bytes(pd.read_parquet(out), pd.read_parquet(tmp_path / "one.parquet"))


@pytest.mark.slow
def test_cli_workers_start_a_local_cluster_of_processes(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["sample", "examples/synthdata/penguins.synth.json", "-n", "9000", "-o", str(out), "--format", "parquet"]
    assert main([*args, "--workers", "2", "--partition-rows", "4000"]) == 0
    err = capsys.readouterr().err
    seed = int(err.rsplit("seed ", 1)[1])
    expected = parquet_of(sd.load("examples/synthdata/penguins.synth.json").sample(9000, seed=seed), tmp_path / "1.pq")
    same_bytes(pd.read_parquet(out), expected)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "2", "--scheduler", "tcp://x:1"], "pass only one"),
        (["--workers", "2", "--format", "csv"], "--workers writes Parquet files"),
        (["--workers", "2", "-o", "-"], "--workers writes Parquet files into a directory"),
        (["--scheduler", "tcp://x:1"], "--scheduler writes Parquet files into a directory"),
        (["--partition-rows", "10"], "--partition-rows sets the Parquet files of --workers"),
        (
            ["--workers", "2", "--partition-rows", "0", "-o", "{tmp}/new"],
            r"--partition-rows=0 \(int\) is not 1 or more",
        ),
        (["--workers", "2", "-o", "{tmp}/full"], "exists and is not an empty directory"),
        (["--workers", "2", "-o", "{tmp}/none/out"], "does not exist"),
        (["--format", "parquet"], "--format parquet writes a file"),
    ],
)
def test_cli_dask_options_misused_get_one_line_errors(tmp_path, capsys, extra, message):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    extra = [e.replace("{tmp}", str(tmp_path)) for e in extra]
    assert main(["sample", "examples/synthdata/penguins.synth.json", "-n", "10", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err or __import__("re").search(message, err), err
    assert len(err.strip().splitlines()) == 1


def test_cli_without_the_extra_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "dask", None)
    args = ["sample", "examples/synthdata/penguins.synth.json", "-o", str(tmp_path / "o"), "--workers", "2"]
    assert main(args) == 2
    assert 'pip install "pytest-synthdata[dask]"' in capsys.readouterr().err


def test_sampling_without_dask_never_imports_it():
    import subprocess

    code = (
        "import sys, pytest_synthdata as sd\n"
        "sd.Schema('p', {'age': sd.Integer()}).sample(10, seed=1)\n"
        "sd.load('examples/synthdata/penguins.synth.json').sample(10, seed=1, rows=(2, 5))\n"
        "print([m for m in ('dask', 'distributed') if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_cli_workers_with_a_model_of_another_backend_say_it_cannot(tmp_path, capsys):
    source = tmp_path / "other_backend.py"
    source.write_text(
        "import pandas as pd\n"
        "class Other:\n"
        "    name = 'other'\n"
        "    def sample(self, n, *, seed=None):\n"
        "        return pd.DataFrame({'x': range(n)})\n"
        "model = Other()\n"
    )
    args = ["sample", f"{source}:model", "-n", "10", "-o", str(tmp_path / "out"), "--workers", "2"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Parquet files written with --workers need a model with a latent space" in err
    assert not (tmp_path / "out").exists()
