"""The layout shows the architecture (docs/architecture.md): which app may import which, and none
of the second framework the portal once grew beside Django (hand-written SQL rebuilding what the
ORM does, private driver methods, Redis scripts, database-vendor branches)."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = ("core", "accounts", "procedures", "dossiers", "lookup")
# What each app must never import (besides `portal`, which no app imports).
FORBIDDEN = {
    "core": {"accounts", "procedures", "dossiers", "lookup"},
    "accounts": {"procedures", "dossiers", "lookup"},
    "procedures": {"accounts", "dossiers", "lookup"},
    "dossiers": {"lookup"},
    "lookup": set(),
}


def python_files(app: str, *, tests: bool = True):
    for path in sorted((BASE / app).rglob("*.py")):
        if "migrations" not in path.parts and (tests or "tests" not in path.parts):
            yield path


def imported_top_levels(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_portal_nor_an_app_above_it(app):
    """Tests may build their data with another app's factories; the code itself may not reach up."""
    wrong = {}
    for path in python_files(app):
        forbidden = {"portal"} if "tests" in path.parts else FORBIDDEN[app] | {"portal"}
        bad = imported_top_levels(path) & forbidden
        if bad:
            wrong[str(path.relative_to(BASE))] = sorted(bad)
    assert not wrong, wrong


def test_lookup_reads_dossiers_only_through_their_selectors():
    """The public pages must not query a dossier the owner's rules have not shaped."""
    for path in python_files("lookup", tests=False):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "dossiers.models":
                names = {alias.name for alias in node.names}
                assert not names & {"Dossier", "History", "Attachment", "Apology"}, (path, names)


# Spelled in parts so that `git grep` for these words finds no line in the project at all.
SECOND_FRAMEWORK = re.compile(
    "|".join(
        [
            "_send_query" + "_prepared",
            "register" + "_script",
            r"connection\." + "vendor",
            "noqa: S" + "608",
            "sql" + "ite",
        ]
    ),
    re.I,
)


def test_no_hand_written_database_layer_beside_django():
    hits = []
    for app in (*APPS, "portal"):
        for path in python_files(app):
            if path.name == "test_layout.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SECOND_FRAMEWORK.search(line):
                    hits.append(f"{path.relative_to(BASE)}:{number}: {line.strip()}")
    assert not hits, "\n".join(hits)
