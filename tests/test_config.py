"""Settings from the environment, and the secret key rule."""
import pytest

from capture.config import ConfigError, resolve


def test_environment_variables_are_read(tmp_path):
    env = {"CAPTURE_DATA_DIR": str(tmp_path), "CAPTURE_SECRET_KEY": "s", "CAPTURE_MAX_UPLOAD_MB": "7",
           "CAPTURE_TIMEZONE": "UTC", "CAPTURE_LANGUAGE": "en"}
    settings = resolve(environ=env)
    assert settings["MAX_UPLOAD_MB"] == 7 and settings["TIMEZONE"] == "UTC"
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path}/capture.sqlite3"


def test_missing_secret_key_outside_development_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="CAPTURE_SECRET_KEY"):
        resolve(environ={"CAPTURE_DATA_DIR": str(tmp_path)})


def test_development_keeps_a_generated_key(tmp_path):
    env = {"CAPTURE_DATA_DIR": str(tmp_path), "CAPTURE_ENV": "development"}
    assert resolve(environ=env)["SECRET_KEY"] == resolve(environ=env)["SECRET_KEY"]


def test_bad_number_says_which_variable(tmp_path):
    with pytest.raises(ConfigError, match="CAPTURE_MAX_UPLOAD_MB"):
        resolve(environ={"CAPTURE_MAX_UPLOAD_MB": "lots", "CAPTURE_SECRET_KEY": "s"})


def test_a_served_app_leaves_what_it_loaded_out_of_garbage_collection(tmp_path):
    # In its own process: freezing would keep this test process's objects forever.
    import subprocess
    import sys
    code = ("import gc; from capture import create_app; before = gc.get_freeze_count(); "
            "create_app({'DATA_DIR': %r, 'SECRET_KEY': 's'}); "
            "create_app({'DATA_DIR': %r, 'SECRET_KEY': 's', 'TESTING': True}); "
            "print(before, gc.get_freeze_count() > 0)") % (str(tmp_path / "a"), str(tmp_path / "b"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0", "True"]


def test_a_test_app_leaves_garbage_collection_alone(tmp_path, monkeypatch):
    import gc
    from capture import create_app
    # Counting frozen objects is not steady: one frozen by an earlier app may be freed meanwhile.
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "s", "TESTING": True})
    assert frozen == []


def test_login_and_proxy_settings_are_read(tmp_path):
    env = {"CAPTURE_DATA_DIR": str(tmp_path), "CAPTURE_SECRET_KEY": "s", "CAPTURE_TRUSTED_PROXIES": "1",
           "CAPTURE_LOGIN_ADDRESS_FAILURES": "50", "CAPTURE_SESSION_DAYS": "7"}
    settings = resolve(environ=env)
    assert (settings["TRUSTED_PROXIES"], settings["LOGIN_ADDRESS_FAILURES"], settings["SESSION_DAYS"]) == (1, 50, 7)
    assert resolve(environ={"CAPTURE_DATA_DIR": str(tmp_path), "CAPTURE_SECRET_KEY": "s"})["TRUSTED_PROXIES"] == 0
