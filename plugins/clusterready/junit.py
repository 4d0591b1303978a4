"""JUnit XML from a JSON summary: the report a merged (fan-in) run hands to CI and Argo.

Test cases are named as pytest's ``--junitxml`` names them (``classname`` the dotted
module path and classes, ``name`` the function with its parameters); a failure is a
``<failure>``, a check that could not evaluate an ``<error type="CannotEvaluate">``, a
skip a ``<skipped>``, each with the summary's message. The target (cluster, context,
region) goes in as the ``clusterready.*`` properties pytest's report carries.

>>> print(to_junit({"cluster": "demo", "duration": 0.5, "tests": [
...     {"id": "tests_addons/test_m.py::test_pods[a]", "outcome": "failed", "duration": 0.25,
...      "message": "Expected 2 pods, found 1"}]}).decode())
<?xml version='1.0' encoding='utf-8'?>
<testsuites name="clusterready" tests="1" failures="1" errors="0" skipped="0" time="0.500">
  <testsuite name="clusterready" tests="1" failures="1" errors="0" skipped="0" time="0.500">
    <properties>
      <property name="clusterready.cluster" value="demo" />
    </properties>
    <testcase classname="tests_addons.test_m" name="test_pods[a]" time="0.250">
      <failure message="Expected 2 pods, found 1">Expected 2 pods, found 1</failure>
    </testcase>
  </testsuite>
</testsuites>
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

#: summary outcome -> (JUnit element, its type attribute, the testsuite counter)
_ELEMENTS = {
    "failed": ("failure", None, "failures"),
    "cannot-evaluate": ("error", "CannotEvaluate", "errors"),
    "skipped": ("skipped", None, "skipped"),
}
# XML 1.0 cannot carry these characters at all, escaped or not
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def junit_names(test_id: str) -> tuple[str, str]:
    """(classname, name) of a pytest node id, as pytest's junitxml computes them.

    >>> junit_names("tests_preflight/test_vpc.py::TestDns::test_on[vpc-1/a]")
    ('tests_preflight.test_vpc.TestDns', 'test_on[vpc-1/a]')
    """
    path, bracket, params = test_id.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def to_junit(summary: dict[str, Any]) -> bytes:
    """The JUnit XML document of a summary (UTF-8, with its declaration)."""
    counts = {"tests": str(len(summary["tests"])), "failures": "0", "errors": "0"}
    counts["skipped"] = "0"
    for test in summary["tests"]:
        if test["outcome"] in _ELEMENTS:
            counter = _ELEMENTS[test["outcome"]][2]
            counts[counter] = str(int(counts[counter]) + 1)
    time = f"{float(summary.get('duration', 0.0)):.3f}"
    root = ET.Element("testsuites", {"name": "clusterready", **counts, "time": time})
    suite = ET.SubElement(root, "testsuite", {"name": "clusterready", **counts, "time": time})
    properties = ET.SubElement(suite, "properties")
    for key in ("cluster", "context", "region"):
        if summary.get(key):
            ET.SubElement(
                properties, "property", {"name": f"clusterready.{key}", "value": summary[key]}
            )
    for test in summary["tests"]:
        classname, name = junit_names(test["id"])
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _clean(classname),
                "name": _clean(name),
                "time": f"{float(test.get('duration', 0.0)):.3f}",
            },
        )
        if test["outcome"] in _ELEMENTS:
            tag, kind, _ = _ELEMENTS[test["outcome"]]
            message = _clean(test.get("message", ""))
            element = ET.SubElement(
                case, tag, {"message": message, **({"type": kind} if kind else {})}
            )
            element.text = message
        if test.get("diagnostics"):
            from clusterready.kube.diagnostics import render

            case.append(system_out(render(test["diagnostics"])))
    if not len(properties):
        suite.remove(properties)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def system_out(text: str) -> ET.Element:
    """A ``<system-out>`` element holding ``text`` (a failed check's diagnostics).

    >>> ET.tostring(system_out("Pod demo/web-1: Pending")).decode()
    '<system-out>Pod demo/web-1: Pending</system-out>'
    """
    element = ET.Element("system-out")
    element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)
