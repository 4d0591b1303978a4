"""`clusterready changed`: the add-ons a change touches, read from a real git repository
made in tmp_path (git diff REV...HEAD, the seed's addons/<name>/ layout or a mapping file)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from clusterready.changes import addons_of, changed_paths, load_map
from clusterready.cli import main
from clusterready.errors import UsageError


class Repo:
    """A git repository in a directory, committed to with a fixed identity."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()
        self.git("init", "-q", "-b", "main")
        self.commit("base", {"README.md": "add-ons\n", "addons/coredns/values.yaml": "a: 1\n"})

    def git(self, *args: str) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            # no background `git maintenance` after each commit
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "maintenance.auto",
            "GIT_CONFIG_VALUE_0": "false",
        }
        done = subprocess.run(
            ["git", "-C", str(self.path), *args], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def commit(self, message: str, files: dict[str, str | None]) -> None:
        for name, text in files.items():
            path = self.path / name
            if text is None:
                self.git("rm", "-q", name)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            self.git("add", name)
        self.git("commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "addons-repo")


def changed(
    repo: Repo, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[str], list[str]]:
    capsys.readouterr()
    code = main(["changed", "--repo", str(repo.path), *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_the_layout_names_the_touched_addons(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit(
        "bump",
        {
            "addons/coredns/values.yaml": "a: 2\n",
            "addons/vpc-cni/templates/daemonset.yaml": "kind: DaemonSet\n",  # an alias
            "addons/kube-proxy/deep/er/file.txt": "x\n",
            "addons/README.md": "no add-on: a file right under addons/\n",
            "docs/addons/metrics-server/notes.md": "not the layout: addons/ is not on top\n",
        },
    )
    assert changed(repo, capsys, "--since", "main") == (
        0,
        ["aws-node", "coredns", "kube-proxy"],
        [],
    )
    assert changed(repo, capsys, "--since", "main", "--format", "csv")[1] == [
        "aws-node,coredns,kube-proxy"
    ]
    code, out, _ = changed(repo, capsys, "--since", "main", "--format", "json")
    assert (code, json.loads("\n".join(out))) == (0, ["aws-node", "coredns", "kube-proxy"])


def test_only_what_the_branch_changed_since_it_left_the_base(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """REV...HEAD: the base's own later commits are not the branch's change."""
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("dns", {"addons/coredns/values.yaml": "a: 3\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("mesh on main", {"addons/istio/values.yaml": "x: 1\n"})
    repo.git("checkout", "-q", "feature")
    assert changed(repo, capsys, "--since", "main")[:2] == (0, ["coredns"])
    assert sorted(changed_paths("main", repo.path)) == ["addons/coredns/values.yaml"]
    # from a directory inside the repository (and whatever diff.relative says): its top's paths
    repo.git("config", "diff.relative", "true")
    assert changed_paths("main", repo.path / "addons") == ["addons/coredns/values.yaml"]


def test_a_deletion_and_both_sides_of_a_rename_count(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = repo.git("rev-parse", "HEAD").strip()
    repo.commit("more", {"addons/metrics-server/values.yaml": "r: 1\n"})
    second = repo.git("rev-parse", "HEAD").strip()
    (repo.path / "addons" / "istio").mkdir()
    repo.git("mv", "addons/metrics-server/values.yaml", "addons/istio/values.yaml")
    repo.commit("move", {"addons/coredns/values.yaml": None})
    assert changed(repo, capsys, "--since", second)[1] == ["coredns", "istio", "metrics-server"]
    assert changed(repo, capsys, "--since", base)[1] == ["coredns", "istio"]


def test_a_mapping_file_maps_other_layouts(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit(
        "charts",
        {
            "charts/dns/values.yaml": "a: 1\n",
            "platform/network.yaml": "cni: 1\n",
            "addons/istio/values.yaml": "ignored: the map replaces the layout\n",
        },
    )
    yaml_map = tmp_path / "map.yaml"
    yaml_map.write_text(
        "charts/dns/*: coredns\n"
        "platform/network.yaml: [vpc-cni, kube-proxy]\n"
        "charts/unused/*: [metrics-server]\n"
    )
    assert changed(repo, capsys, "--since", "HEAD~1", "--map", str(yaml_map))[:2] == (
        0,
        ["aws-node", "coredns", "kube-proxy"],
    )
    json_map = tmp_path / "map.json"
    json_map.write_text(json.dumps({"charts/**": ["coredns"]}))
    assert changed(repo, capsys, "--since", "HEAD~1", "--map", str(json_map))[1] == ["coredns"]


def test_a_change_that_touches_no_addon_is_exit_5(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("docs", {"README.md": "more words\n", "docs/x.md": "y\n"})
    assert changed(repo, capsys, "--since", "HEAD~1", "--format", "csv") == (
        5,
        [],
        ["clusterready: the change touches no add-on (2 paths changed since HEAD~1): exit 5"],
    )


def test_an_unknown_addon_directory_is_named_with_a_note(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("mesh", {"addons/my-mesh/values.yaml": "a: 1\n"})
    assert changed(repo, capsys, "--since", "HEAD~1") == (
        0,
        ["my-mesh"],
        [
            "clusterready: note: 'my-mesh' is not a known add-on: `--only my-mesh` needs "
            "the spec's custom_addons to declare it"
        ],
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "no-such-branch"], "--since no-such-branch: no such revision in {repo}"),
        (["--since", "HEAD", "--repo", "{tmp}"], "--repo {tmp}: not a git repository (fatal: "),
        (["--since", "HEAD", "--repo", "{tmp}/nope"], "--repo {tmp}/nope: no such directory"),
        (["--since", "HEAD", "--map", "{tmp}/none.yaml"], "--map {tmp}/none.yaml: no such file"),
        (["--since", "HEAD", "--map", "{tmp}/bad.yaml"], "--map {tmp}/bad.yaml: 'a/*': "),
        (["--since", "HEAD", "--map", "{tmp}/list.yaml"], "--map {tmp}/list.yaml: expected a "),
        (["--since", "HEAD", "--map", "{tmp}/broken.yaml"], "--map {tmp}/broken.yaml:2:1: "),
        (["--since", "orphan"], "--since orphan: no common history with HEAD in {repo} (fatal"),
        ([], "the following arguments are required: --since"),
    ],
    ids=["rev", "not-git", "no-dir", "no-map", "bad-map", "list-map", "broken-map", "unrelated",
         "no-since"],
)  # fmt: skip
def test_usage_errors_are_one_line_and_exit_4(
    repo: Repo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    (tmp_path / "bad.yaml").write_text("a/*: {coredns: 1}\n")
    (tmp_path / "list.yaml").write_text("- coredns\n")
    (tmp_path / "broken.yaml").write_text("a: [\n")
    repo.git("checkout", "-q", "--orphan", "orphan")
    repo.commit("unrelated", {"other.txt": "x\n"})
    repo.git("checkout", "-q", "main")
    where = {"repo": str(repo.path), "tmp": str(tmp_path)}
    args = [a.format(**where) for a in args]
    code = main(["changed", *(["--repo", str(repo.path)] if "--repo" not in args else []), *args])
    out, err = capsys.readouterr()
    assert code == 4
    assert out == ""
    lines = [line for line in err.splitlines() if line.startswith("clusterready")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert message.format(**where) in lines[0]


def test_the_library_maps_paths_without_git() -> None:
    assert addons_of(["addons/ISTIOD/x", "addons/fluent-bit/y"]) == ["fluent-bit", "istio"]
    assert addons_of(["a/b"], {"a/*": ["x-one", "coredns"]}) == ["coredns", "x-one"]
    assert addons_of([]) == []


def test_a_mapping_must_be_a_mapping_of_names(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("'a/*': ''\n")
    with pytest.raises(UsageError, match=r"'a/\*': expected an add-on name or a list of them"):
        load_map(tmp_path / "m.yaml")
