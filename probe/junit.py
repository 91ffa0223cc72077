"""JUnit XML of a self-check, one test case per rubric item, for an agency's CI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from probe.scoring.rubric import Rubric

# Characters XML 1.0 cannot hold; ElementTree writes them as they are, and the file then
# does not parse. A reason can quote what a portal answered.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: object) -> str:
    """`value` as text an XML attribute can hold (characters XML forbids become '?')."""
    return _NOT_XML.sub("?", str(value))


def junit_tree(document: dict[str, Any], rubric: Rubric | None = None) -> ET.ElementTree:
    """A <testsuite> whose failures are the items not earning full points; with the `rubric`
    they were judged by, each failure's text is the item's title and remediation (Vietnamese,
    then English), what a CI page shows under the failure."""
    items = document["items"]
    failed = [i for i in items if i["status"] in ("fail", "partial")]
    skipped = [i for i in items if i["status"] == "unmeasured"]
    suite = ET.Element("testsuite", {
        "name": _xml_text(f"dvc-probe {document['url']}"), "tests": str(len(items)),
        "failures": str(len(failed)), "skipped": str(len(skipped)), "errors": "0",
        "time": str(document.get("duration_s", 0)),
    })
    properties = ET.SubElement(suite, "properties")
    for key in ("status", "total", "grade", "rubric", "run_id"):
        ET.SubElement(properties, "property", {"name": key,
                                               "value": _xml_text(document.get(key))})
    for item in items:
        case = ET.SubElement(suite, "testcase", {"classname": item["group"], "name": item["id"]})
        message = _xml_text(f"{item['points']}/{item['max']}: {item['reason']}")
        if item in failed:
            failure = ET.SubElement(case, "failure", {"message": message, "type": item["status"]})
            failure.text = _remediation(rubric, item["id"])
        elif item in skipped:
            ET.SubElement(case, "skipped", {"message": _xml_text(item["reason"])})
    return ET.ElementTree(suite)


def _remediation(rubric: Rubric | None, item_id: str) -> str | None:
    """What the rubric says to do about `item_id` (None without it)."""
    spec = rubric.find_item(item_id) if rubric is not None else None
    if spec is None:
        return None
    return _xml_text(f"{spec.title('vi')}: {spec.remediation('vi')}\n\n"
                     f"{spec.title('en')}: {spec.remediation('en')}")


def write_junit(path: Path, document: dict[str, Any], rubric: Rubric | None = None) -> Path:
    """Write the JUnit XML of `document` (a `probe check --json` object) to `path`."""
    tree = junit_tree(document, rubric)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return Path(path)
