"""The longest gap between two runs of a cron schedule: how old the newest backup may get.

Handles the five-field form (Velero) and CloudNativePG's six-field form (seconds first):
`*`, `?`, numbers, lists, ranges and steps; day-of-month and day-of-week combine with OR when
both are restricted, as in cron.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

_BOUNDS = {
    "second": (0, 59),
    "minute": (0, 59),
    "hour": (0, 23),
    "dom": (1, 31),
    "month": (1, 12),
    "dow": (0, 7),
}


def _field(text: str, name: str) -> tuple[set[int], bool]:
    low, high = _BOUNDS[name]
    values: set[int] = set()
    restricted = text not in ("*", "?")
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body in ("*", "?"):
            start, end = low, high
        elif "-" in body:
            a, b = body.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = int(body)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high) or step < 1:
            raise ValueError(f"cron field {name} {text!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    if name == "dow" and 7 in values:
        values.add(0)
    return values, restricted


def max_interval_seconds(expression: str) -> int:
    """Longest gap between consecutive runs over a full year (covers monthly schedules)."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ValueError(f"{expression!r} is not a 5- or 6-field cron expression")
    try:
        seconds, _ = _field(fields[0], "second")
        minutes, _ = _field(fields[1], "minute")
        hours, _ = _field(fields[2], "hour")
        doms, dom_restricted = _field(fields[3], "dom")
        months, _ = _field(fields[4], "month")
        dows, dow_restricted = _field(fields[5], "dow")
    except ValueError as exc:
        raise ValueError(f"cron {expression!r}: {exc}") from exc
    in_day = sorted(h * 3600 + m * 60 + s for h in hours for m in minutes for s in seconds)
    start = date(2025, 1, 1)
    fires: list[int] = []
    for offset in range(2 * 366):
        day = start + timedelta(days=offset)
        dom_ok = day.day in doms
        dow_ok = (day.isoweekday() % 7) in dows
        day_ok = dom_ok or dow_ok if dom_restricted and dow_restricted else dom_ok and dow_ok
        if day.month in months and day_ok:
            fires.extend(offset * 86400 + t for t in in_day)
    if len(fires) < 2:
        raise ValueError(f"cron {expression!r} fires less than twice in two years")
    return max(b - a for a, b in itertools.pairwise(fires))
