"""Cron expressions checked the way the program that reads them parses them.

Both readers use robfig/cron, with different options:
- CloudNativePG's ScheduledBackup: `github.com/robfig/cron` v1.2.0 `cron.Parse`
  (internal/controller/scheduledbackup_controller.go), i.e. NewParser(Second | Minute | Hour |
  Dom | Month | DowOptional | Descriptor): six fields, seconds first. Five fields are accepted
  too, but as seconds-first with the day of week left out, so a standard `0 3 * * *` runs
  hourly at :03. mgctl refuses five fields here and names the six-field equivalent.
- Velero's Schedule: robfig/cron v3 `cron.ParseStandard` (pkg/controller/schedule_controller.go
  parseCronSchedule): five fields, descriptors (@daily …, @every <duration>) and a CRON_TZ=
  prefix. mgctl refuses six fields (naming the five-field equivalent), @every and time zone
  prefixes (its alerts and capacity checks compute a schedule's longest gap from the fields).

Field syntax (robfig parser.go getRange): `*` or `?`, numbers, `a-b`, `x/step`, `a-b/step`,
lists; months jan-dec and days sun-sat by name; day of week 0-6 (7 is an error); no L, W or #.
When both day fields are restricted a day matches either (spec.go dayMatches).
Expressions are normalised to what every mgctl reader understands: descriptors expanded, names
turned into numbers, `?` into `*`, single spaces. Neither program is given a time zone: both
evaluate schedules in their process's local zone, UTC in the pinned images.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta

_INT = re.compile(r"^[+]?[0-9]+$")


@dataclass(frozen=True)
class Dialect:
    reader: str
    seconds: bool  # a seconds field first (six fields)


CNPG = Dialect("CloudNativePG (ScheduledBackup)", seconds=True)
VELERO = Dialect("Velero (Schedule)", seconds=False)


@dataclass(frozen=True)
class _Bounds:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] means low + i


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = (
    _Bounds("second", 0, 59),
    _Bounds("minute", 0, 59),
    _Bounds("hour", 0, 23),
    _Bounds("day of month", 1, 31),
    _Bounds("month", 1, 12, _MONTHS),
    _Bounds("day of week", 0, 6, _DAYS),
)
DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_EXAMPLE = {True: "0 0 3 * * * (daily at 03:00:00 UTC)", False: "0 3 * * * (daily at 03:00 UTC)"}


@dataclass(frozen=True)
class _Field:
    values: frozenset[int]
    star: bool  # robfig's starBit: '*' or '?' without a step above 1
    text: str  # normalised


def _number(text: str, bounds: _Bounds) -> int:
    lowered = text.lower()
    if lowered in bounds.names:
        return bounds.low + bounds.names.index(lowered)
    if not _INT.match(text):
        names = f" or a name ({bounds.names[0]}-{bounds.names[-1]})" if bounds.names else ""
        raise ValueError(f"{bounds.name} {text!r} is not a number{names}")
    return int(text)


def _part(part: str, bounds: _Bounds) -> tuple[set[int], bool, str]:
    range_text, slash, step_text = part.partition("/")
    if "/" in step_text:
        raise ValueError(f"{bounds.name} {part!r} has more than one '/'")
    step = 1
    if slash:
        if not _INT.match(step_text) or int(step_text) == 0:
            raise ValueError(f"{bounds.name} {part!r}: the step must be a positive number")
        step = int(step_text)
    if range_text in ("*", "?"):
        start, end, star = bounds.low, bounds.high, step <= 1
        text = "*"
    else:
        low_text, dash, high_text = range_text.partition("-")
        if "-" in high_text:
            raise ValueError(f"{bounds.name} {part!r} has more than one '-'")
        if not low_text:
            raise ValueError(f"{bounds.name} {part!r}: a range needs a start")
        start = _number(low_text, bounds)
        end = _number(high_text, bounds) if dash else (bounds.high if slash else start)
        star = False
        text = f"{start}-{end}" if dash else str(start)
    if start < bounds.low or end > bounds.high:
        raise ValueError(
            f"{bounds.name} {part!r} is outside {bounds.low}-{bounds.high}"
            + (" (Sunday is 0; robfig/cron has no 7)" if bounds.name == "day of week" else "")
        )
    if start > end:
        raise ValueError(f"{bounds.name} {part!r}: the range starts after it ends")
    if slash:
        text += f"/{step}"
    return set(range(start, end + 1, step)), star, text


def _field(text: str, bounds: _Bounds) -> _Field:
    values: set[int] = set()
    star = False
    parts = []
    for part in (p for p in text.split(",") if p):
        found, part_star, normal = _part(part, bounds)
        values |= found
        star = star or part_star
        parts.append(normal)
    if not parts:
        raise ValueError(f"{bounds.name} {text!r} is empty")
    return _Field(frozenset(values), star, ",".join(parts))


def _parse(fields: list[str]) -> list[_Field]:
    """Six fields, seconds first."""
    return [_field(text, bounds) for text, bounds in zip(fields, _FIELDS, strict=True)]


def normalise(expression: str, dialect: Dialect) -> str:
    """The expression in `dialect`'s explicit form, or ValueError naming the fix."""
    text = " ".join(str(expression).split())
    want = 6 if dialect.seconds else 5
    if not text:
        raise ValueError(
            f"empty schedule; write a cron expression, e.g. {_EXAMPLE[dialect.seconds]}"
        )
    if text.startswith(("TZ=", "CRON_TZ=")):
        raise ValueError(
            f"{expression!r}: time zone prefixes are not supported; schedules run in UTC "
            "(the controller's zone), so write the time in UTC"
        )
    if text.startswith("@"):
        if text.startswith("@every"):
            raise ValueError(
                f"{expression!r}: @every counts from when the controller last ran the schedule, "
                f"so backups drift; write a cron expression, e.g. {_EXAMPLE[dialect.seconds]}"
            )
        five = DESCRIPTORS.get(text)
        if five is None:
            known = ", ".join(DESCRIPTORS)
            raise ValueError(f"{expression!r} is not a cron descriptor; use one of {known}")
        text = f"0 {five}" if dialect.seconds else five
    fields = text.split()
    if len(fields) != want:
        raise ValueError(_count_message(expression, fields, dialect))
    try:
        parsed = _parse(fields if dialect.seconds else ["0", *fields])
    except ValueError as exc:
        raise ValueError(f"{expression!r}: {exc}") from exc
    _fire_days(parsed, expression)
    normal = [f.text for f in parsed]
    return " ".join(normal if dialect.seconds else normal[1:])


def _count_message(expression: str, fields: list[str], dialect: Dialect) -> str:
    names = [b.name for b in (_FIELDS if dialect.seconds else _FIELDS[1:])]
    base = (
        f"{expression!r} has {len(fields)} field(s); {dialect.reader} reads "
        f"{len(names)}: {', '.join(names)}"
    )
    if dialect.seconds and len(fields) == 5:
        try:
            _parse(["0", *fields])
        except ValueError:
            return base
        read_as = ", ".join(f"{b.name} {f}" for b, f in zip(_FIELDS, fields, strict=False))
        return (
            f"{base}; given five it reads them seconds first ({read_as}), not as standard cron; "
            f"did you mean '0 {' '.join(fields)}'?"
        )
    if not dialect.seconds and len(fields) == 6:
        if fields[0] == "0":
            return f"{base} (no seconds); did you mean '{' '.join(fields[1:])}'?"
        return f"{base} (no seconds: Velero schedules have minute resolution)"
    return f"{base}; e.g. {_EXAMPLE[dialect.seconds]}"


def _fire_days(parsed: list[_Field], expression: str) -> list[int]:
    """Day offsets from 2025-01-01 on which the schedule fires, over eight years."""
    _, _, _, dom, month, dow = parsed
    both_restricted = not dom.star and not dow.star
    start = date(2025, 1, 1)
    days = []
    for offset in range(8 * 366):
        day = start + timedelta(days=offset)
        if day.month not in month.values:
            continue
        dom_ok = day.day in dom.values
        dow_ok = (day.isoweekday() % 7) in dow.values
        if (dom_ok or dow_ok) if both_restricted else (dom_ok and dow_ok):
            days.append(offset)
    if not days:
        raise ValueError(f"{expression!r} never fires (no such day); check the day and month")
    return days


def max_interval_seconds(expression: str, dialect: Dialect) -> int:
    """The longest gap between two runs of a normalised expression."""
    fields = expression.split()
    parsed = _parse(fields if dialect.seconds else ["0", *fields])
    second, minute, hour = parsed[0], parsed[1], parsed[2]
    in_day = sorted(
        h * 3600 + m * 60 + s for h in hour.values for m in minute.values for s in second.values
    )
    days = _fire_days(parsed, expression)
    gap_in_day = max((b - a for a, b in itertools.pairwise(in_day)), default=0)
    gap_between = max(
        ((b - a) * 86400 - in_day[-1] + in_day[0] for a, b in itertools.pairwise(days)),
        default=0,
    )
    if len(days) == 1 and len(in_day) == 1:
        raise ValueError(f"{expression!r} fires once in eight years")
    return max(gap_in_day, gap_between)


def _ci(word: str) -> str:
    """A case-insensitive literal for JSON Schema patterns (ECMA-262 has no inline flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


_NUMBERS = {
    "second": "[0-5]?[0-9]",
    "minute": "[0-5]?[0-9]",
    "hour": "[01]?[0-9]|2[0-3]",
    "day of month": "0?[1-9]|[12][0-9]|3[01]",
    "month": "0?[1-9]|1[0-2]",
    "day of week": "0?[0-6]",
}


def _field_pattern(bounds: _Bounds) -> str:
    value = "|".join([f"\\+?0*(?:{_NUMBERS[bounds.name]})", *(_ci(n) for n in bounds.names)])
    part = rf"(?:[*?]|(?:{value})(?:-(?:{value}))?)(?:/\+?[0-9]*[1-9][0-9]*)?"
    return rf"{part}(?:,{part})*"


def schema_pattern(dialect: Dialect) -> str:
    """The syntax (not the semantics: ranges in order, days that exist) as a JSON Schema
    pattern, descriptors included."""
    fields = _FIELDS if dialect.seconds else _FIELDS[1:]
    body = " +".join(_field_pattern(b) for b in fields)
    descriptors = "|".join(d.removeprefix("@") for d in DESCRIPTORS)
    return rf"^ *(?:@(?:{descriptors})|{body}) *$"
