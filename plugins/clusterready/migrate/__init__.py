"""BATS/DETIK and aws-CLI tests -> pytest modules and cluster-spec entries.

>>> import pathlib, tempfile
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = pathlib.Path(tmp.name)
>>> _ = (folder / "pods.bats").write_text(
...     '@test "two pods" {\\n  run verify "there are 2 pods named \\'web\\'"\\n'
...     '  [ "$status" -eq 0 ]\\n}\\n')
>>> [report] = migrate([folder / "pods.bats"], folder / "out")
>>> report.module, report.sentences, report.left
('test_pods.py', 1, [])
>>> "detik.verify(\\"there are 2 pods named 'web'\\")" in (folder / "out/test_pods.py").read_text()
True
>>> tmp.cleanup()
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clusterready.errors import UsageError
from clusterready.migrate.aws import SpecEntry
from clusterready.migrate.python import identifier
from clusterready.migrate.translate import FileReport, Left, Migration, TestReport, migrate_text

__all__ = [
    "FileReport",
    "Left",
    "Migration",
    "SpecEntry",
    "TestReport",
    "migrate",
    "migrate_file",
    "read_source",
    "render_report",
    "report_json",
]


def read_source(path: str | os.PathLike[str]) -> str:
    """The text of a .bats file; a UsageError says why it cannot be read."""
    file = Path(path)
    if file.suffix != ".bats":
        raise UsageError(f"{path}: expected a .bats file, found {file.suffix or 'no suffix'}")
    if not file.exists():
        raise UsageError(f"{path}: no such file")
    if not file.is_file():
        raise UsageError(f"{path}: not a regular file")
    try:
        data = file.read_bytes()
    except OSError as err:
        raise UsageError(f"{path}: cannot read it ({err.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UsageError(f"{path}: not UTF-8 text (byte {err.start})") from None


def migrate_file(path: str | os.PathLike[str]) -> Migration:
    """Migrate one .bats file in memory (nothing is written)."""
    return migrate_text(read_source(path), str(path))


def module_name(path: str | os.PathLike[str]) -> str:
    """The module a .bats file becomes: ``metrics-server.bats`` -> ``test_metrics_server.py``."""
    stem = identifier(Path(path).stem)
    return f"{stem if stem.startswith('test_') else 'test_' + stem.lstrip('_')}.py"


def migrate(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] | None,
    *,
    write: bool = True,
) -> list[FileReport]:
    """Migrate every file (all are read and translated before anything is written), then
    write each module (and spec fragment) into ``out_dir`` (default: beside its source)."""
    migrations = [(Path(p), migrate_file(p)) for p in paths]
    names = [module_name(p) for p in paths]
    for name in set(names):
        if names.count(name) > 1:
            clash = [str(p) for p, n in zip(paths, names, strict=True) if n == name]
            raise UsageError(
                f"{' and '.join(clash)} would both become {name}: migrate them "
                "into different folders"
            )
    reports = []
    for (source, migration), name in zip(migrations, names, strict=True):
        folder = Path(out_dir) if out_dir is not None else source.parent
        report = migration.report
        report.module = name
        fragment = None
        if migration.fragment is not None:
            report.fragment = name.removesuffix(".py").removeprefix("test_") + ".spec.yaml"
            fragment = _fragment_text(migration, report.fragment)
            module = migration.module.replace("FRAGMENT", report.fragment)
        else:
            module = migration.module
        if write:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(module, encoding="utf-8")
            if fragment is not None:
                (folder / report.fragment).write_text(fragment, encoding="utf-8")
        reports.append(report)
    return reports


def _fragment_text(migration: Migration, name: str) -> str:
    import yaml

    lines = [
        f"# Spec fragment migrated from {migration.report.path} by `clusterready migrate`.",
        f"# Check it: clusterready spec --spec {name}",
        f"# Run it:   pytest -m preflight --spec {name}  (or merge it into your spec)",
        "# Which shipped check covers each entry:",
    ]
    for entry in migration.report.spec_entries:
        lines.append(f"#   {entry.key} (line {entry.lines[0]}): {entry.check}")
        if entry.note:
            lines.append(f"#     note: {entry.note}")
    body = yaml.safe_dump(migration.fragment, sort_keys=False, default_flow_style=False)
    return "\n".join(lines) + "\n" + body


def report_json(reports: Sequence[FileReport], wrote: bool) -> dict[str, Any]:
    """The JSON report: totals, then per file its tests, sentences and lines left."""
    return {
        "files": [r.to_dict() for r in reports],
        "totals": {
            "files": len(reports),
            "tests": sum(len(r.tests) for r in reports),
            "sentences": sum(r.sentences for r in reports),
            "spec_entries": sum(len(r.spec_entries) for r in reports),
            "lines_left": sum(len(r.left) for r in reports),
        },
        "written": wrote,
    }


def render_report(reports: Sequence[FileReport]) -> str:
    """The terminal report: a line per file, then each line left and why."""
    out = []
    for r in reports:
        entries = f", {_count(len(r.spec_entries), 'spec entry')}" if r.spec_entries else ""
        out.append(
            f"{r.path} -> {r.module}{' + ' + r.fragment if r.fragment else ''}: "
            f"{_count(len(r.tests), 'test')}, {_count(r.sentences, 'sentence translated')}"
            f"{entries}, {_count(len(r.left), 'line left')}"
        )
        for left in r.left:
            out.append(f"  {r.path}:{left.line}: left ({left.where}): {left.reason}")
            out.append(f"    {left.text}")
    totals = report_json(reports, False)["totals"]
    out.append(
        ", ".join(
            _count(totals[key], word)
            for key, word in (
                ("files", "file"),
                ("tests", "test"),
                ("sentences", "sentence translated"),
                ("spec_entries", "spec entry"),
                ("lines_left", "line left"),
            )
        )
    )
    return "\n".join(out)


def _count(n: int, what: str) -> str:
    """``2 tests``, ``1 sentence translated``, ``3 spec entries``."""
    if n == 1:
        return f"1 {what}"
    plurals = {
        "test": "tests",
        "file": "files",
        "spec entry": "spec entries",
        "line left": "lines left",
        "sentence translated": "sentences translated",
    }
    return f"{n} {plurals[what]}"


def dump(data: dict[str, Any]) -> str:
    """The JSON report as written by ``--report``."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
