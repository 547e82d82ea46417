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


def test_login_and_proxy_settings_are_read(tmp_path):
    env = {"CAPTURE_DATA_DIR": str(tmp_path), "CAPTURE_SECRET_KEY": "s", "CAPTURE_TRUSTED_PROXIES": "1",
           "CAPTURE_LOGIN_ADDRESS_FAILURES": "50", "CAPTURE_SESSION_DAYS": "7"}
    settings = resolve(environ=env)
    assert (settings["TRUSTED_PROXIES"], settings["LOGIN_ADDRESS_FAILURES"], settings["SESSION_DAYS"]) == (1, 50, 7)
    assert resolve(environ={"CAPTURE_DATA_DIR": str(tmp_path), "CAPTURE_SECRET_KEY": "s"})["TRUSTED_PROXIES"] == 0
