"""The capture command line."""
from capture.models import Body, Membership, User


def test_demo_loads_once_and_writes_credentials(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    lines = (app.config["DATA_DIR"] + "/demo-credentials.txt")
    rows = [line.split("\t") for line in open(lines, encoding="utf-8").read().splitlines()]
    assert {r[0] for r in rows} == {"admin", "liaison", "secretary", "transfer_officer", "viewer"}
    for role, username, password in rows:
        assert password in result.output
        assert User.get(User.username == username).check_password(password)
    assert {b.code for b in Body.select()} >= {"YQFK", "FXQX"}
    secretary = User.get(User.username == "secretary")
    assert [m.body.code for m in Membership.select().where(Membership.user == secretary)] == ["YQFK"]
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert User.select().count() == len(rows)


def test_create_user_reads_password_from_stdin(app, runner):
    result = runner.invoke(args=["create-user", "--username", "ops", "--name", "运维", "--role", "admin",
                                 "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    assert User.get(User.username == "ops").check_password("a long password")


def test_create_user_refuses_short_password(app, runner):
    result = runner.invoke(args=["create-user", "--username", "ops", "--name", "x", "--role", "viewer",
                                 "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "at least 10" in result.output


def test_bodies_lists_code_name_tier_status(app, runner, world):
    output = runner.invoke(args=["bodies"]).output
    assert "AAA\tAAA 临时机构\tkey\tactive" in output


def test_every_command_has_help(app, runner):
    for command in app.cli.commands:
        assert runner.invoke(args=[command, "--help"]).exit_code == 0, command
