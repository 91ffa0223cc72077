"""JUnit XML of a self-check, one test case per rubric item, for an agency's CI."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET


def junit_tree(document: dict[str, Any]) -> ET.ElementTree:
    """A <testsuite> whose failures are the items not earning full points."""
    items = document["items"]
    failed = [i for i in items if i["status"] in ("fail", "partial")]
    skipped = [i for i in items if i["status"] == "unmeasured"]
    suite = ET.Element("testsuite", {
        "name": f"dvc-probe {document['url']}", "tests": str(len(items)),
        "failures": str(len(failed)), "skipped": str(len(skipped)), "errors": "0",
        "time": str(document.get("duration_s", 0)),
    })
    properties = ET.SubElement(suite, "properties")
    for key in ("status", "total", "grade", "rubric", "run_id"):
        ET.SubElement(properties, "property", {"name": key, "value": str(document.get(key))})
    for item in items:
        case = ET.SubElement(suite, "testcase", {"classname": item["group"], "name": item["id"]})
        message = f"{item['points']}/{item['max']}: {item['reason']}"
        if item in failed:
            ET.SubElement(case, "failure", {"message": message, "type": item["status"]})
        elif item in skipped:
            ET.SubElement(case, "skipped", {"message": item["reason"]})
    return ET.ElementTree(suite)


def write_junit(path: Path, document: dict[str, Any]) -> Path:
    """Write the JUnit XML of `document` (a `probe check --json` object) to `path`."""
    tree = junit_tree(document)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return Path(path)
