"""The README's layout section names every module of the package, so it cannot drift from the
tree unnoticed: a module added, moved or renamed without the README fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "server" / "counterpoint"
# A language folder is named as a whole; its inner modules are that language's business.
LANGUAGES = PACKAGE / "languages"


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Layout") :]
    return section[: section.index("\n## ", 1)]


def test_every_module_and_language_folder_is_in_the_layout():
    block = layout_block()
    named = set(re.findall(r"[\w.]+", block))
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py") or "scripts" in path.parts:
            continue
        if LANGUAGES in path.parents and path.parent != LANGUAGES:
            continue
        if path.name not in named:
            missing.append(str(path.relative_to(PACKAGE)))
    for folder in sorted(p for p in LANGUAGES.iterdir() if (p / "__init__.py").is_file()):
        if f"{folder.name}/" not in block:
            missing.append(f"languages/{folder.name}/")
    for folder in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        if f"{folder.name}/" not in block:
            missing.append(f"{folder.name}/")
    assert not missing, f"README's Layout section does not name: {missing}"


def test_the_layout_names_no_module_that_is_gone():
    block = layout_block()
    existing = {path.name for path in PACKAGE.rglob("*.py")}
    existing |= {path.name for path in (ROOT / "tests").glob("unit/*.py")}
    named = set(re.findall(r"\b\w+\.py\b", block))
    assert named <= existing, f"README's Layout names modules that do not exist: {named - existing}"
