"""The register beside a package says what its digests are of and how to reproduce them."""
import shlex
import subprocess

import pytest
from docx import Document as Docx

from exporters.forms import read_register_digests
from transfer_support import flood_body


def annex(path):
    """{label: value} of the register's two-column rows."""
    rows = {}
    for table in Docx(path).tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) == 2:
                rows[cells[0]] = cells[1]
    return rows


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_the_commands_in_the_register_reproduce_its_digests(app, client, auth, runner, tmp_path, zipped):
    body, _secretary, _docs = flood_body(app)
    out = tmp_path / "out"
    result = runner.invoke(args=["export", "FXQX", "-o", str(out), "--operator", "赵移交", *(["--zip"] if zipped else [])])
    assert result.exit_code == 0, result.output
    register = next(out.glob("*-register.docx"))
    rows = annex(register)
    name = register.name.removesuffix("-register.docx")
    digested = f"{name}.zip" if zipped else f"{name}/tagmanifest-sha256.txt"
    assert rows["SHA-256 摘要对象"].startswith(digested)
    assert rows["SM3 摘要对象"] == (f"{name}.zip" if zipped else f"{name}/tagmanifest-sm3.txt")
    if not zipped:
        assert "bag-info.txt" in rows["SHA-256 摘要对象"]  # why one file pins the folder
    given = read_register_digests(register)
    for algorithm, command in (("sha256", rows["SHA-256 复核命令"]), ("sm3", rows["SM3 复核命令"])):
        words = shlex.split(command.split("（")[0])
        printed = subprocess.run(words, cwd=out, capture_output=True, text=True, check=True).stdout
        assert given[algorithm] in printed, (command, printed)
    # The transfer page says what the digest is of, as the register does.
    from conftest import make_user
    make_user("officer", "transfer_officer", display_name="赵移交")
    auth.login("officer")
    page = client.get(f"/bodies/{body.id}/transfer").get_data(as_text=True)
    assert given["sha256"] in page
    assert ("压缩包本身" if zipped else "tagmanifest-sha256.txt 的摘要") in page
