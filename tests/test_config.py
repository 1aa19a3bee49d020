"""Settings are read once from the environment; a wrong value names the variable."""

from __future__ import annotations

from datetime import time

import pytest

from bot.config import ConfigError, Settings


def test_admins_and_reminder_times_are_read() -> None:
    line_id = "U" + "4af4980629abcdef0123456789abcdef"
    settings = Settings.from_env(
        {
            "BOT_ADMINS": f" telegram:12345 , line:{line_id}",
            "REMINDER_TIME": "9:30",
            "REMINDER_QUIET_HOURS": "22:00-07:00",
        }
    )
    assert settings.admins == {"telegram:12345", f"line:{line_id}"}
    assert settings.reminders.send_at == time(9, 30)
    assert settings.reminders.quiet(time(23, 0)) and settings.reminders.quiet(time(6, 59))
    assert not settings.reminders.quiet(time(7, 0))
    assert Settings.from_env({}).admins == frozenset() and Settings.from_env({}).reminders.send_at == time(10, 0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOT_ADMINS": "telegram:@hr_admin"}, "BOT_ADMINS entry 'telegram:@hr_admin'"),
        ({"BOT_ADMINS": "12345"}, "BOT_ADMINS entry '12345' must be channel:id"),
        ({"BOT_ADMINS": "line:Uabc"}, "32 hex digits"),
        ({"REMINDER_TIME": "25:00"}, "REMINDER_TIME must be a time of day"),
        ({"REMINDER_TIME": "22:30"}, "REMINDER_TIME 22:30 falls in the quiet hours"),
        ({"REMINDER_QUIET_HOURS": "night"}, "REMINDER_QUIET_HOURS must look like 21:00-08:00"),
    ],
)
def test_a_wrong_value_names_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)
