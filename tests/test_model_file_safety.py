"""Model files as untrusted input, and a save that is atomic and keeps what users set (issue 13, items 2 and 3)."""

from __future__ import annotations

import os
import stat
import threading

import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import InvalidArgument


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
    with pytest.raises(InvalidArgument, match=r"cannot save the model file .*No space left"):
        small(0.75).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["small.synth.json"]
