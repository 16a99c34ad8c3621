from pathlib import Path

import pytest

from portal.config import UnsafeConfigurationError, load_settings

INSTANCE = Path("instance-for-tests")
SAFE_PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": "x" * 48,
    "PORTAL_DATA_KEY": "y" * 48,
    "PORTAL_DATABASE_URL": "postgresql://portal@db.internal/portal",
    "PORTAL_SESSION_COOKIE_SECURE": "true",
    "PORTAL_MAIL_BACKEND": "smtp",
    "PORTAL_SMS_BACKEND": "none",
}


def production(**changes: str) -> dict[str, str]:
    return {**SAFE_PRODUCTION, **changes}


def test_safe_production_settings_start():
    settings = load_settings(SAFE_PRODUCTION, INSTANCE)
    assert settings["PORTAL_ENV"] == "production"
    assert settings["DEV_LOGIN_ENABLED"] is False
    assert settings["HSTS_ENABLED"] is True
    assert settings["DATABASE_URL"] == "postgresql+psycopg://portal@db.internal/portal"


@pytest.mark.parametrize(
    ("changes", "named_setting"),
    [
        ({"PORTAL_SECRET_KEY": ""}, "PORTAL_SECRET_KEY is missing"),
        ({"PORTAL_SECRET_KEY": "change-me"}, "PORTAL_SECRET_KEY is missing or a default"),
        (
            {"PORTAL_SECRET_KEY": "development-secret-key-not-for-production-use"},
            "PORTAL_SECRET_KEY is missing or a default",
        ),
        ({"PORTAL_SECRET_KEY": "short-but-random-9f8e7d"}, "PORTAL_SECRET_KEY is too short"),
        ({"PORTAL_DATA_KEY": ""}, "PORTAL_DATA_KEY is missing"),
        ({"PORTAL_DATA_KEY": "z" * 20}, "PORTAL_DATA_KEY is too short"),
        ({"PORTAL_DATA_KEY": "x" * 48}, "PORTAL_DATA_KEY must differ"),
        ({"PORTAL_DEV_LOGIN": "true"}, "PORTAL_DEV_LOGIN is on"),
        ({"PORTAL_DATABASE_URL": "sqlite:////var/p.db"}, "PORTAL_DATABASE_URL points to SQLite"),
        ({"PORTAL_DATABASE_URL": ""}, "PORTAL_DATABASE_URL is missing"),
        ({"PORTAL_SESSION_COOKIE_SECURE": "false"}, "PORTAL_SESSION_COOKIE_SECURE is off"),
        ({"PORTAL_SMS_BACKEND": "file"}, "PORTAL_SMS_BACKEND must be http or none"),
        ({"PORTAL_SMS_BACKEND": ""}, "PORTAL_SMS_BACKEND must be http or none"),
        ({"PORTAL_SMS_BACKEND": "http", "PORTAL_SMS_GATEWAY_TOKEN": "t" * 32},
         "PORTAL_SMS_GATEWAY_URL must be an https:// address"),
        ({"PORTAL_SMS_BACKEND": "http", "PORTAL_SMS_GATEWAY_TOKEN": "t" * 32,
          "PORTAL_SMS_GATEWAY_URL": "http://sms.example/send"},
         "PORTAL_SMS_GATEWAY_URL must be an https:// address"),
        ({"PORTAL_SMS_BACKEND": "http", "PORTAL_SMS_GATEWAY_URL": "https://sms.example/send"},
         "PORTAL_SMS_GATEWAY_TOKEN is missing"),
        ({"PORTAL_FIKSIO_API_URL": "http://api.fiks.example"},
         "PORTAL_FIKSIO_API_URL must be an https:// address"),
        ({"PORTAL_MASKINPORTEN_TOKEN_URL": "http://maskinporten.example/token"},
         "PORTAL_MASKINPORTEN_TOKEN_URL must be an https:// address"),
        ({"PORTAL_FIKSIO_AMQP_URL": "amqp://io.fiks.example:5672"},
         "PORTAL_FIKSIO_AMQP_URL must be an amqps:// address"),
        ({"PORTAL_FIKSIO_AMQP_URL": "amqps://guest:guest@io.fiks.example:5671"},
         "without a user name or password"),
    ],
)
def test_production_refuses_each_unsafe_setting_by_name(changes, named_setting):
    with pytest.raises(UnsafeConfigurationError, match=named_setting):
        load_settings(production(**changes), INSTANCE)


def test_production_sends_sms_through_an_https_gateway_with_a_token_or_not_at_all():
    gateway = production(PORTAL_SMS_BACKEND="http", PORTAL_SMS_GATEWAY_URL="https://sms.example/send",
                         PORTAL_SMS_GATEWAY_TOKEN="t" * 32)
    assert load_settings(gateway, INSTANCE)["SMS_BACKEND"] == "http"
    assert load_settings(SAFE_PRODUCTION, INSTANCE)["SMS_BACKEND"] == "none"


def test_development_writes_sms_to_files():
    assert load_settings({}, INSTANCE)["SMS_BACKEND"] == "file"


def test_production_lists_every_problem_at_once():
    environ = {"PORTAL_ENV": "production", "PORTAL_DEV_LOGIN": "1",
               "PORTAL_SESSION_COOKIE_SECURE": "no"}
    with pytest.raises(UnsafeConfigurationError) as refused:
        load_settings(environ, INSTANCE)
    message = str(refused.value)
    for setting in ("PORTAL_SECRET_KEY", "PORTAL_DEV_LOGIN", "PORTAL_DATABASE_URL",
                    "PORTAL_SESSION_COOKIE_SECURE"):
        assert setting in message


def test_development_profile_works_without_any_setting():
    settings = load_settings({}, INSTANCE)
    assert settings["PORTAL_ENV"] == "development"
    assert settings["DATABASE_URL"] == f"sqlite:///{INSTANCE / 'portal.db'}"
    assert settings["DEV_LOGIN_ENABLED"] is True
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_unknown_profile_is_refused():
    with pytest.raises(UnsafeConfigurationError, match="PORTAL_ENV must be one of"):
        load_settings({"PORTAL_ENV": "staging"}, INSTANCE)


def test_environment_overrides_profile_defaults():
    settings = load_settings({"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": "postgres://h/db"},
                             INSTANCE)
    assert settings["DATABASE_URL"] == "postgresql+psycopg://h/db"


def test_create_app_refuses_unsafe_production():
    from portal import create_app

    with pytest.raises(UnsafeConfigurationError, match="PORTAL_DEV_LOGIN"):
        create_app(environ=production(PORTAL_DEV_LOGIN="yes"))
