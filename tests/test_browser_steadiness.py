"""Browser tests wait for what the user waits for: no test reads a page's content or text in a
bare assert, which comes back empty when the page is still navigating on a busy machine."""
import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def browser_test_files():
    """The test modules marked `browser`, and their support module."""
    return [p for p in TESTS.glob("*.py")
            if "pytest.mark.browser" in p.read_text(encoding="utf-8") or p.name == "browser_support.py"]


def mid_navigation_reads(path):
    """Lines that read page.content(), or read text inside an assert instead of waiting with expect()."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "content":
            found.append(f"{path.name}:{node.lineno} .content()")
        if isinstance(node, ast.Assert):
            for inner in ast.walk(node.test):
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) \
                        and (inner.func.attr in ("inner_text", "text_content")
                             or inner.func.attr == "count" and "locator(" in ast.unparse(inner)):
                    found.append(f"{path.name}:{node.lineno} assert .{inner.func.attr}()")
    return found


def test_browser_tests_never_read_a_page_mid_navigation():
    files = browser_test_files()
    assert len(files) >= 6
    reads = [line for path in files for line in mid_navigation_reads(path)]
    assert not reads, reads
