"""Cron expressions as CloudNativePG (robfig/cron v1 Parse) and Velero (v3 ParseStandard)
read them: accepted forms are normalised, everything else is refused with the fix."""

from __future__ import annotations

import pytest

from mgctl.config.cron import CNPG, VELERO, Dialect, max_interval_seconds, normalise


@pytest.mark.parametrize(
    ("expression", "dialect", "normal"),
    [
        ("0 0 3 * * *", CNPG, "0 0 3 * * *"),
        ("@daily", CNPG, "0 0 0 * * *"),
        ("@hourly", VELERO, "0 * * * *"),
        ("@weekly", VELERO, "0 0 * * 0"),
        ("  0  3 * *   * ", VELERO, "0 3 * * *"),
        ("0 3 * JAN-mar Mon,FRI", VELERO, "0 3 * 1-3 1,5"),
        ("*/15 1,3-5 ? * *", VELERO, "*/15 1,3-5 * * *"),
        ("0 5/10 * * *", VELERO, "0 5/10 * * *"),
        ("0 0 1,,15 * *", VELERO, "0 0 1,15 * *"),
    ],
)
def test_accepted_forms_are_normalised(expression: str, dialect: Dialect, normal: str) -> None:
    assert normalise(expression, dialect) == normal


@pytest.mark.parametrize(
    ("expression", "dialect", "message"),
    [
        ("0 3 * * *", CNPG, "did you mean '0 0 3 * * *'?"),
        ("0 0 3 * * *", VELERO, "did you mean '0 3 * * *'?"),
        ("30 0 3 * * *", VELERO, "minute resolution"),
        ("every night", VELERO, "has 2 field(s)"),
        ("", VELERO, "empty schedule"),
        ("0 3 * * 7", VELERO, "robfig/cron has no 7"),
        ("0 24 * * *", VELERO, "hour '24' is outside 0-23"),
        ("0 3 0 * *", VELERO, "day of month '0' is outside 1-31"),
        ("0 5-3 * * *", VELERO, "starts after it ends"),
        ("*/0 * * * *", VELERO, "the step must be a positive number"),
        ("0 3 * * L", VELERO, "day of week 'L' is not a number or a name"),
        ("0 1-2-3 * * *", VELERO, "more than one '-'"),
        ("0 0 30 2 *", VELERO, "never fires"),
        ("@every 1h", VELERO, "@every counts from"),
        ("@nightly", VELERO, "is not a cron descriptor"),
        ("TZ=UTC 0 3 * * *", VELERO, "time zone prefixes are not supported"),
    ],
)
def test_refusals_name_the_fix(expression: str, dialect: Dialect, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        normalise(expression, dialect)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("0 * * * *", 3600),
        ("0 3 * * *", 86400),
        ("0 3,15 * * *", 12 * 3600),
        ("0 1,3-5 * * *", 20 * 3600),
        ("*/15 * * * *", 900),
        ("0 3 * * 1-5", 3 * 86400),  # Friday 03:00 to Monday 03:00
        ("0 3 1 */3 *", 92 * 86400),  # quarterly: the longest quarter
        ("0 3 1 * 1", 7 * 86400),  # both day fields restricted: either matches (OR)
    ],
)
def test_longest_gap(expression: str, seconds: int) -> None:
    assert max_interval_seconds(expression, VELERO) == seconds


def test_longest_gap_in_the_six_field_form() -> None:
    assert max_interval_seconds("0 0 3 * * *", CNPG) == 86400
    assert max_interval_seconds("*/30 * * * * *", CNPG) == 30
