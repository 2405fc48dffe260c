from __future__ import annotations

# pytester's in-process runs restore sys.modules afterwards; numpy cannot be
# imported twice in one process, so load the heavy modules (and our engine)
# once, up front, for every inner run to share.
import faker  # noqa: F401
import numpy  # noqa: F401
import pandas  # noqa: F401
import scipy.special  # noqa: F401

import pytest_synthdata._dataset
import pytest_synthdata._fit.relations
import pytest_synthdata._model
import pytest_synthdata._relations_file
import pytest_synthdata._schema
import pytest_synthdata.cli  # noqa: F401

pytest_plugins = ["pytester"]
