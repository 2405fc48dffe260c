"""Hand-edited model files: each edit of a valid file must fail to load, with a message saying what is wrong."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import ModelFileError


def assert_refused(tmp_path: Path, data: dict[str, Any], edits: Iterable[tuple[Callable[[Any], Any], str]]) -> None:
    """Load ``data`` (a decoded model file) after each ``edit`` (applied to a copy): ``ModelFileError`` matching its
    message, every time."""
    for edit, message in edits:
        broken = json.loads(json.dumps(data))
        edit(broken)
        bad = tmp_path / "bad.synth.json"
        bad.write_text(json.dumps(broken))
        with pytest.raises(ModelFileError, match=message):
            sd.load(bad)
