from pathlib import Path

import pytest

from portal.config import UnsafeConfigurationError, load_settings

INSTANCE = Path("instance-for-tests")
# Made once with secrets.token_urlsafe(32); random, but fixed so that the tests repeat.
SECRET = "kQ3vN8xZ1pR7tY4mW0sB6cF9hJ2lD5gA_eU-iO8nVqE"
DATA = "Zr5Tq9Lw2Xe7Ub4Nc1Mv8Ks3Jd6Hf0Gy_Pa-Bo4Ci7R"
SAFE_PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": SECRET,
    "PORTAL_DATA_KEY": DATA,
    "PORTAL_DATABASE_URL": "postgresql://portal@db.internal/portal",
    "PORTAL_SESSION_COOKIE_SECURE": "true",
    "PORTAL_MAIL_BACKEND": "smtp",
    "PORTAL_SMS_BACKEND": "none",
    "PORTAL_PUBLIC_URL": "https://portal.kommune.example",
    "PORTAL_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
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
        ({"PORTAL_DATA_KEY": SECRET}, "PORTAL_DATA_KEY must be a secret of its own"),
        # The outside sweep: the secret key equal to the data key plus a space.
        ({"PORTAL_DATA_KEY": SECRET + " "}, "PORTAL_DATA_KEY must be a secret of its own"),
        ({"PORTAL_DATA_KEY": SECRET.upper() + "2"}, "PORTAL_DATA_KEY must be a secret of its own"),
        # Long enough, but no strength: the sweep started production with 32 × "a".
        ({"PORTAL_SECRET_KEY": "a" * 32}, "PORTAL_SECRET_KEY is too predictable"),
        ({"PORTAL_SECRET_KEY": "ab" * 24}, "PORTAL_SECRET_KEY is too predictable"),
        ({"PORTAL_SECRET_KEY": "q7Zx" * 12}, "PORTAL_SECRET_KEY is too predictable"),
        ({"PORTAL_DATA_KEY": "abcdefghijklmnopqrstuvwxyz0123456789"},
         "PORTAL_DATA_KEY is too predictable"),
        ({"PORTAL_DATA_KEY": "password1234password1234password"},
         "PORTAL_DATA_KEY is too predictable"),
        ({"PORTAL_HSTS": "0"}, "PORTAL_HSTS is off"),
        ({"PORTAL_SMTP_STARTTLS": "0", "PORTAL_SMTP_HOST": "smtp.kommune.example"},
         "PORTAL_SMTP_STARTTLS is off"),
        ({"PORTAL_PUBLIC_URL": ""}, "PORTAL_PUBLIC_URL must be the portal's https:// address"),
        ({"PORTAL_PUBLIC_URL": "http://portal.kommune.example"},
         "PORTAL_PUBLIC_URL must be the portal's https:// address"),
        ({"PORTAL_IDPORTEN_DISCOVERY_URL":
          "http://test.idporten.no/.well-known/openid-configuration"},
         "PORTAL_IDPORTEN_DISCOVERY_URL must be an https:// address"),
        ({"PORTAL_RATELIMIT_STORAGE_URI": "memory://"},
         "PORTAL_RATELIMIT_STORAGE_URI is memory://"),
        ({"PORTAL_RATELIMIT_STORAGE_URI": "memory://", "PORTAL_SINGLE_PROCESS": "1",
          "WEB_CONCURRENCY": "4"}, "WEB_CONCURRENCY asks gunicorn for 4 processes"),
        ({"PORTAL_SCANNER": "none"}, "PORTAL_SCANNER must be clamd"),
        ({"PORTAL_DATABASE_URL": "mysql://portal@db.internal/portal"},
         "PORTAL_DATABASE_URL uses 'mysql'"),
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


def test_a_random_secret_of_32_characters_and_more_is_strong_enough():
    import secrets

    from portal.config_checks import secret_problem

    for _ in range(200):
        assert secret_problem("PORTAL_SECRET_KEY", secrets.token_urlsafe(32)) is None
        assert secret_problem("PORTAL_SECRET_KEY", secrets.token_hex(32)) is None


def test_one_web_process_may_count_rate_limits_in_memory():
    single = production(PORTAL_RATELIMIT_STORAGE_URI="memory://", PORTAL_SINGLE_PROCESS="1",
                        WEB_CONCURRENCY="1")
    assert load_settings(single, INSTANCE)["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_relay_on_this_machine_may_take_mail_without_starttls():
    local = production(PORTAL_SMTP_STARTTLS="0", PORTAL_SMTP_HOST="127.0.0.1")
    assert load_settings(local, INSTANCE)["SMTP_STARTTLS"] is False


@pytest.mark.parametrize("profile", ["development", "test", "production"])
@pytest.mark.parametrize("url", ["mysql://portal@db/portal", "mssql+pyodbc://db/portal",
                                 "oracle://db/portal", "postgresql+psycopg2://db/portal",
                                 "db.internal/portal"])
def test_an_unsupported_database_url_is_refused_clearly_in_every_profile(profile, url):
    """The sweep: a MySQL URL failed with ModuleNotFoundError deep inside SQLAlchemy."""
    environ = production(PORTAL_DATABASE_URL=url) if profile == "production" else {
        "PORTAL_ENV": profile, "PORTAL_DATABASE_URL": url}
    with pytest.raises(UnsafeConfigurationError,
                       match=r"PORTAL_DATABASE_URL uses .* which the portal does not support"):
        load_settings(environ, INSTANCE)


def test_production_cookie_has_the_host_prefix():
    assert load_settings(SAFE_PRODUCTION, INSTANCE)["SESSION_COOKIE_NAME"] == (
        "__Host-portal_session")
    assert load_settings({}, INSTANCE)["SESSION_COOKIE_NAME"] == "portal_session"


def test_older_data_keys_are_read_from_a_comma_separated_list():
    settings = load_settings(production(PORTAL_DATA_KEY_PREVIOUS=" old-one, old-two ,"),
                             INSTANCE)
    assert settings["DATA_KEY_PREVIOUS"] == ["old-one", "old-two"]


def test_retention_days_per_kind():
    settings = load_settings({"PORTAL_RETENTION_DAYS": "default=120,power_of_attorney=30"},
                             INSTANCE)
    assert settings["RETENTION_DAYS"] == {"default": 120, "power_of_attorney": 30}
    assert load_settings({"PORTAL_RETENTION_DAYS": "60"}, INSTANCE)["RETENTION_DAYS"] == {
        "default": 60}
    with pytest.raises(UnsafeConfigurationError, match="PORTAL_RETENTION_DAYS cannot be read"):
        load_settings({"PORTAL_RETENTION_DAYS": "soon"}, INSTANCE)
