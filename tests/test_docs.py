"""The project carries its own docs: every setting the code reads is documented in the operations
guide, nothing points outside the repository, and the README stays a front door."""
import re
import subprocess
from pathlib import Path

from capture import config

ROOT = Path(__file__).resolve().parents[1]
# Where the code reads settings: the application, its entry points, the tests and benchmarks.
READERS = ("capture", "exporters", "bench", "tests", "run.py", "Makefile")


def _tracked(*paths):
    names = subprocess.run(["git", "ls-files", "--", *paths], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    return [ROOT / n for n in names if (ROOT / n).is_file()]


def settings_read():
    """Every CAPTURE_* name the code reads: config's keys and any named outright anywhere."""
    found = {f"CAPTURE_{key}" for key in config.DEFAULTS}
    for path in _tracked(*READERS):
        if path.suffix in (".py", "") or path.name == "Makefile":
            found.update(re.findall(r"\bCAPTURE_[A-Z][A-Z0-9_]*[A-Z0-9]\b",
                                    path.read_text(encoding="utf-8", errors="replace")))
    return found


def test_every_setting_the_code_reads_is_documented_with_its_default():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(CAPTURE_[A-Z0-9_]+)` \| ([^|]+) \|", guide, re.M))
    assert settings_read() - set(rows) == set(), "document these in docs/operations.md, Settings"
    assert all(default.strip() for default in rows.values())


def test_nothing_in_the_repository_points_outside_it():
    outside = re.compile(r"\.\./shared|/work/shared|\b(DESIGN|STANDARDS|STYLE)\.md\b")
    pointing = [str(p.relative_to(ROOT)) for p in _tracked(".")
                if p.suffix not in (".mo", ".png", ".jpg", ".pdf", ".zip", ".ico", ".woff2")
                and p.resolve() != Path(__file__).resolve()  # this test names what it looks for
                and outside.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert pointing == []


def test_the_readme_is_a_front_door_with_the_two_commands_first():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode()) <= 10 * 1024
    first_block = text.split("```")[1]
    assert "make run" in first_block and "make test" in first_block
    for guide in ("architecture", "operations", "performance"):
        assert f"(docs/{guide}.md)" in text
