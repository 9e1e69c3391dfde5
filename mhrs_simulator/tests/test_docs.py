"""Documentation the code and the READMEs refer to lives in the repository."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = ("mhrs_connector", "mhrs_simulator", "scripts", "docs")
SUFFIXES = {".py", ".xml", ".md", ".sh", ".js", ".rst"}
# A path-like name of a Markdown file: docs/contract.md, mhrs_simulator/README.md, mhrs-domain.md.
MD_REF = re.compile(r"(?<![\w./-])((?:[\w-]+/)*[\w-]+\.md)\b")


def _files():
    yield ROOT / "README.md"
    for top in SOURCES:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in SUFFIXES and path.is_file() and "node_modules" not in path.parts:
                yield path


def _exists(ref, source):
    return any((base / ref).is_file() for base in (ROOT, source.parent, ROOT / "docs"))


def test_referenced_markdown_files_exist():
    missing = []
    for path in _files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for ref in MD_REF.findall(line):
                if not _exists(ref, path):
                    missing.append(f"{path.relative_to(ROOT)}:{number}: {ref}")
    assert not missing, "Referenced documentation missing from the repository:\n" + "\n".join(missing)


def test_simulator_readme_and_domain_reference_are_linked():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "mhrs_simulator/README.md" in readme
    assert "docs/mhrs-domain.md" in readme
    assert (ROOT / "mhrs_simulator" / "README.md").is_file()
    assert (ROOT / "docs" / "mhrs-domain.md").is_file()
