"""Reading the files a user names (summaries, mapping files): one-line errors.

>>> read_text("/no/such/summary.json", "--map")
Traceback (most recent call last):
...
clusterready.errors.UsageError: --map /no/such/summary.json: no such file
"""

from __future__ import annotations

import os
from pathlib import Path

from clusterready.errors import UsageError


def read_text(path: str | os.PathLike[str], option: str = "") -> str:
    """The UTF-8 text of a file the user named (after ``option``, when given); a missing
    or unreadable file is a :class:`~clusterready.errors.UsageError` of one line."""
    where = f"{option} {path}" if option else str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{where}: cannot read it ({err})") from None
