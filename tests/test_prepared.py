"""Prepared statements: written to SQL once per database and key, run with new values each time."""
from capture import prepared
from capture.db import db, recorded_statements
from capture.models import Body, Membership, User
from capture.prepared import Slot


def test_statement_is_written_once_and_filled_by_name_at_each_run(app, world):
    built = []

    def members():
        built.append(1)
        return Membership.select(Membership.role).where(Membership.user == Slot("user"),
                                                        Membership.body == Slot("body"))

    with db.connection_context():
        secretary = prepared.rows("test.members", members, user=world["secretary"].id, body=world["a"].id)
        stranger = prepared.rows("test.members", members, user=world["secretary"].id, body=world["b"].id)
    assert (secretary, stranger) == ([("secretary",)], [])
    assert built == [1]


def test_models_come_back_as_peewee_gives_them(app, world):
    by_id = lambda: Body.select().where(Body.id == Slot("id"))  # noqa: E731
    with db.connection_context():
        body = prepared.first(Body, "test.body", by_id, id=world["a"].id)
        expected = Body.get_by_id(world["a"].id)
        assert body.__data__ == expected.__data__  # dates, datetimes, booleans converted alike
        assert not body.is_dirty()
        assert prepared.first(Body, "test.body", by_id, id=-1) is None


def test_an_alias_becomes_an_attribute_and_a_user_loads_in_one_statement(app, world):
    def with_role():
        return (User.select(User, Membership.role.alias("member_role")).join(Membership)
                .where(Membership.body == Slot("body")).order_by(User.username))
    with db.connection_context(), recorded_statements() as sql:
        found = prepared.models(User, "test.with_role", with_role, body=world["a"].id)
    assert len(sql) == 1
    assert [(u.username, u.member_role) for u in found] == [
        ("liaison", "liaison"), ("secretary", "secretary"), ("viewer", "viewer")]
    assert found[0].password_hash.startswith("pbkdf2:")  # a whole User, as the login needs it


def test_contains_matches_text_literally(app, world):
    named = lambda: Body.select(Body.code).where(prepared.contains(Body.name, Slot("q")))  # noqa: E731
    with db.connection_context():
        Body.update(name="100% 完成_专班").where(Body.id == world["a"].id).execute()
        find = lambda text: prepared.rows("test.named", named, q=prepared.like_pattern(text))  # noqa: E731
        assert find("100%") == [("AAA",)]
        assert find("0%") == [("AAA",)]
        assert find("完成_专") == [("AAA",)]
        assert find("完成x专") == [] and find("1000") == []


def test_peewee_still_has_what_prepared_models_lean_on():
    """prepared.models() builds instances as peewee's raw() does, through three private pieces.

    A peewee release that renames one must fail here by name, not slow or corrupt pages quietly.
    """
    assert Body._meta.columns["code"] is Body.code, "peewee: Model._meta.columns is gone"
    bare = Body(__no_default__=1, code="X")
    assert bare.__data__ == {"code": "X"}, "peewee: Model(__no_default__=1) fills defaults now"
    assert isinstance(bare._dirty, set), "peewee: Model._dirty is no longer a set"
    bare._dirty.clear()
    assert not bare.is_dirty()
