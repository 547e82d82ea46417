"""Both catalogues ship complete: every UI string has English, and the compiled .mo is current."""
import gettext
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "capture" / "translations"


def test_every_string_in_the_code_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-o", str(pot), "."], cwd=ROOT, check=True)
    wanted = {m.id for m in read_po(pot.open("rb")) if m.id}
    english = read_po((TRANSLATIONS / "en/LC_MESSAGES/messages.po").open("rb"))
    translated = {m.id for m in english if m.id and m.string}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"run `make translations` and translate: {missing[:20]}"


def test_compiled_catalogue_matches_the_translations():
    english = read_po((TRANSLATIONS / "en/LC_MESSAGES/messages.po").open("rb"))
    compiled = gettext.GNUTranslations((TRANSLATIONS / "en/LC_MESSAGES/messages.mo").open("rb"))
    stale = [m.id for m in english if m.id and m.string and isinstance(m.id, str)
             and compiled.gettext(m.id) != m.string]
    assert not stale, f"run `pybabel compile -d capture/translations`: {stale[:10]}"
    assert (TRANSLATIONS / "zh_Hans/LC_MESSAGES/messages.mo").is_file()


# Chinese punctuation, full-width; Chinese fonts come first in the page's font stack, so even the
# curly quotes would be drawn full-width inside an English sentence.
FULL_WIDTH = "：，。；、！？（）“”‘’《》【】"


def test_english_messages_use_english_punctuation():
    english = read_po((TRANSLATIONS / "en/LC_MESSAGES/messages.po").open("rb"))
    chinese_marks = [(m.id, m.string) for m in english
                     if m.id and isinstance(m.string, str) and any(c in m.string for c in FULL_WIDTH)]
    assert not chinese_marks, "\n".join(f"{i} -> {s}" for i, s in chinese_marks[:20])
