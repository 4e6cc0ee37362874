"""Lines of the product's Python (issue 17's yardstick): `make bench-lines`.

Every line (blank and comment lines included, as ``wc -l`` counts) of the ``.py`` files git knows
or would add (tracked, or untracked and not ignored), leaving out any ``tests/`` and
``migrations/`` folder and ``benchmarks/``: the count the issue was filed with (11,370 at commit
872b885). Prints the total, then the lines per top-level folder.

    .venv/bin/python -m benchmarks.count_lines
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]


def counted(path: str) -> bool:
    """Whether a repository path (POSIX, relative) is product code."""
    parts = PurePosixPath(path).parts
    if not path.endswith(".py") or parts[0] == "benchmarks":
        return False
    return "tests" not in parts[:-1] and "migrations" not in parts[:-1]


def python_files(root: Path = ROOT) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return sorted(path for path in set(listed) if counted(path) and (root / path).is_file())


def lines_per_folder(root: Path = ROOT) -> Counter[str]:
    folders: Counter[str] = Counter()
    for path in python_files(root):
        top = PurePosixPath(path).parts[0] if "/" in path else "."
        folders[top] += (root / path).read_bytes().count(b"\n")
    return folders


def main() -> None:
    folders = lines_per_folder()
    print(f"{sum(folders.values())} lines of Python outside tests, migrations and benchmarks/")
    for folder, lines in sorted(folders.items(), key=lambda item: -item[1]):
        print(f"  {lines:6d}  {folder}")


if __name__ == "__main__":
    main()
