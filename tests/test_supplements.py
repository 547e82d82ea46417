"""A supplementary package says which packages it follows, in the package and beside it."""
import bagit
from docx import Document as Docx

from capture.models import Body, Transfer
from capture.records import registry

from test_late_records import exported, paper  # noqa: F401  (the fixture and the form)


def register_late(app, body, title):
    with app.test_request_context():
        return registry.register_document(Body.get_by_id(body.id), body.memberships[0].user, paper(title=title))


def register_text(path):
    return "\n".join(cell.text for table in Docx(path).tables for row in table.rows for cell in row.cells)


def test_every_package_of_a_body_is_one_group_and_each_supplement_names_what_it_follows(
        app, client, auth, runner, exported, tmp_path):  # noqa: F811
    body, _docs = exported
    first = Transfer.get(Transfer.kind == "full")
    packages = [bagit.Bag(first.package_path)]
    for n, title in enumerate(("撤销后找到的会议纪要", "又找到的工作简报"), 1):
        register_late(app, body, title)
        # Each supplement goes to a folder of its own: its name alone must keep it apart.
        result = runner.invoke(args=["export", "FXQX", "-o", str(tmp_path / f"late{n}"), "--operator", "赵移交"])
        assert result.exit_code == 0, result.output
        packages.append(bagit.Bag(Transfer.select().order_by(Transfer.id.desc()).get().package_path))
    names = [bag.path.rsplit("/", 1)[-1] for bag in packages]
    assert len(set(names)) == 3 and names[1].endswith("-BC1") and names[2].endswith("-BC2")
    assert {bag.info["Bag-Group-Identifier"] for bag in packages} == {"J002-FXQX"}
    assert [bag.info["Bag-Count"] for bag in packages] == ["1 of ?", "2 of ?", "3 of ?"]
    ids = [bag.info["External-Identifier"][0] for bag in packages]
    assert "Follows-External-Identifier" not in packages[0].info
    assert packages[1].info["Follows-External-Identifier"] == ids[0]
    assert packages[2].info["Follows-External-Identifier"] == ids[:2]
    for bag in packages:
        assert bag.validate()

    # Someone with only the second supplement and its register learns what it follows.
    last = packages[2].path
    description = open(f"{last}/data/description.txt", encoding="utf-8").read()
    assert "第 3 批（补充移交）" in description and ids[0] in description and ids[1] in description
    assert names[1] in description and "Bag-Count 3 of ?" in description
    beside = register_text(f"{last}-register.docx")
    inside = register_text(f"{last}/data/forms/transfer-form.docx")
    for text in (beside, inside):
        assert "第 3 批（补充移交）" in text and ids[0] in text and ids[1] in text and names[0] in text

    # The product's page tells the same story.
    auth.login("officer")
    page = client.get(f"/bodies/{body.id}/transfer").get_data(as_text=True)
    assert "第 3 批" in page and "接续的移交" in page and f"{ids[0]}（{names[0]}）" in page
