"""Check-in scheduling rules (pure): zones on both sides of UTC, DST, quiet hours, downtime."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from state.schedule import (
    GRACE,
    Rule,
    decide,
    in_quiet,
    next_due,
    parse_time,
    parse_zone,
    slot_on,
    snooze_until,
    zone,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(moment: datetime, name: str) -> datetime:
    return moment.astimezone(zone(name))


def test_los_angeles_keeps_nine_local_across_spring_forward():
    rule = Rule(time(9), "America/Los_Angeles")
    before = next_due(rule, utc(2026, 3, 7, 0))  # Saturday, PST (UTC-8)
    after = next_due(rule, before)  # Sunday 8 March: PDT (UTC-7) from 02:00
    assert before == utc(2026, 3, 7, 17)
    assert after == utc(2026, 3, 8, 16)
    assert local(before, rule.zone).time() == local(after, rule.zone).time() == time(9)


def test_a_time_skipped_by_spring_forward_moves_forward_by_the_gap():
    rule = Rule(time(2, 30), "America/Los_Angeles")
    due = next_due(rule, utc(2026, 3, 8, 0))
    assert due == utc(2026, 3, 8, 10, 30)  # 03:30 PDT: 02:30 did not exist that night
    assert local(due, rule.zone).time() == time(3, 30)
    assert next_due(rule, due) == utc(2026, 3, 9, 9, 30)  # 02:30 PDT the next night


def test_an_ambiguous_fall_back_time_is_the_first_occurrence_once():
    rule = Rule(time(1, 30), "America/Los_Angeles")
    due = next_due(rule, utc(2026, 11, 1, 0))
    assert due == utc(2026, 11, 1, 8, 30)  # 01:30 PDT, not the repeat at 01:30 PST
    assert next_due(rule, due) == utc(2026, 11, 2, 9, 30)  # no second one the same night


def test_kolkata_ahead_of_utc_by_a_half_hour():
    rule = Rule(time(4), "Asia/Kolkata")  # 04:00 IST is 22:30 UTC the day before
    due = next_due(rule, utc(2026, 6, 1, 0))
    assert due == utc(2026, 6, 1, 22, 30)
    decision = decide(rule, due, due + timedelta(seconds=20))
    assert decision.send_at == due and decision.local_date == date(2026, 6, 2)


def test_auckland_both_dst_changes():
    spring = Rule(time(2, 30), "Pacific/Auckland")  # 27 Sept 2026: 02:00 → 03:00
    due = next_due(spring, utc(2026, 9, 26, 0))
    assert local(due, spring.zone).replace(tzinfo=None) == datetime(2026, 9, 27, 3, 30)
    autumn = Rule(time(2, 30), "Pacific/Auckland")  # 5 April 2026: 03:00 → 02:00
    due = next_due(autumn, utc(2026, 4, 4, 0))
    assert due == utc(2026, 4, 4, 13, 30)  # the first 02:30 (NZDT, UTC+13)
    assert next_due(autumn, due) == utc(2026, 4, 5, 14, 30)  # NZST from then on
    eight = Rule(time(8), "Pacific/Auckland")
    assert next_due(eight, utc(2026, 4, 3, 0)) == utc(2026, 4, 3, 19)  # 08:00 NZDT
    assert next_due(eight, utc(2026, 4, 3, 19)) == utc(2026, 4, 4, 20)  # 08:00 NZST


def test_fixed_offsets_and_zone_parsing():
    assert parse_zone("asia/kolkata") == "Asia/Kolkata"
    assert parse_zone(" America/New York ") == "America/New_York"
    assert parse_zone("+5:30") == "UTC+05:30"
    assert parse_zone("UTC-8") == "UTC-08:00"
    assert parse_zone("gmt") == parse_zone("+0") == "UTC"
    for bad in ("Mars/Olympus", "+15", "+5:20", "", "x" * 80, "9am"):
        assert parse_zone(bad) is None, bad
    assert zone("UTC+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert zone("UTC-08:00") == timezone(timedelta(hours=-8))
    assert isinstance(zone("Asia/Kolkata"), ZoneInfo)
    rule = Rule(time(9), "UTC-08:00")  # a fixed offset does not follow DST
    assert next_due(rule, utc(2026, 3, 8, 18)) == utc(2026, 3, 9, 17)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9", time(9)), ("09:30", time(9, 30)), ("21.15", time(21, 15)), ("9pm", time(21)),
     ("12 am", time(0)), ("7:45 a.m.", time(7, 45)), ("24:00", None), ("13pm", None),
     ("9:75", None), ("soon", None)],
)  # fmt: skip
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_quiet_hours_move_a_slot_to_their_end():
    assert in_quiet(time(23), time(22), time(7)) and in_quiet(time(6, 59), time(22), time(7))
    assert not in_quiet(time(7), time(22), time(7)) and not in_quiet(time(12), time(22), time(7))
    late = Rule(time(23), "Europe/Berlin", time(22), time(7))
    assert local(slot_on(late, date(2026, 6, 1)), late.zone).replace(tzinfo=None) == datetime(
        2026, 6, 2, 7
    )
    early = Rule(time(6), "Europe/Berlin", time(22), time(7))
    assert local(slot_on(early, date(2026, 6, 1)), early.zone).replace(tzinfo=None) == datetime(
        2026, 6, 1, 7
    )
    lunch = Rule(time(14), "UTC", time(13), time(15))
    assert slot_on(lunch, date(2026, 6, 1)) == utc(2026, 6, 1, 15)
    free = Rule(time(9), "UTC", time(22), time(7))
    assert slot_on(free, date(2026, 6, 1)) == utc(2026, 6, 1, 9)
    # The evening check-in held to the morning still belongs to the evening it was planned for.
    due = next_due(late, utc(2026, 6, 1, 12))
    assert decide(late, due, due).local_date == date(2026, 6, 1)


def test_catch_up_inside_grace_sends_once_and_older_ones_are_skipped():
    rule = Rule(time(9), "UTC")
    due = utc(2026, 6, 1, 9)
    soon = decide(rule, due, utc(2026, 6, 1, 11, 59))
    assert soon.send_at == due and soon.local_date == date(2026, 6, 1)
    assert soon.next_due == utc(2026, 6, 2, 9)
    late = decide(rule, due, utc(2026, 6, 1, 9) + GRACE + timedelta(seconds=1))
    assert late.send_at is None and late.next_due == utc(2026, 6, 2, 9)
    # Three days down: only today's slot (within grace) is sent, the others are skipped.
    back = decide(rule, due, utc(2026, 6, 4, 10))
    assert back.send_at == utc(2026, 6, 4, 9) and back.local_date == date(2026, 6, 4)
    before_today = decide(rule, due, utc(2026, 6, 4, 8))
    assert before_today.send_at is None and before_today.next_due == utc(2026, 6, 4, 9)


def test_catch_up_never_lands_in_quiet_hours():
    rule = Rule(time(21, 30), "UTC", time(22), time(7))
    decision = decide(rule, utc(2026, 6, 1, 21, 30), utc(2026, 6, 1, 22, 30))
    assert decision.send_at is None and decision.next_due == utc(2026, 6, 2, 21, 30)


def simulate(rule: Rule, start: datetime, end: datetime, down: tuple[datetime, datetime]):
    """The job every 30 s, with the bot down in between; returns the dates sent."""
    due = next_due(rule, start)
    sent: list[date] = []
    now = start
    while now < end:
        now += timedelta(seconds=30)
        if down[0] <= now < down[1] or due is None or due > now:
            continue
        decision = decide(rule, due, now)
        if decision.send_at is not None:
            sent.append(decision.local_date)
        due = decision.next_due
    return sent


def test_a_week_of_jobs_with_downtime_sends_each_day_at_most_once():
    rule = Rule(time(20), "America/Los_Angeles", time(22), time(7))
    start, end = utc(2026, 10, 28), utc(2026, 11, 5)  # over the 1 November fall-back
    # Down from the 30th 12:00 UTC to the 1st 05:00 UTC (22:00 PDT on the 31st: quiet hours).
    sent = simulate(rule, start, end, (utc(2026, 10, 30, 12), utc(2026, 11, 1, 5)))
    assert len(sent) == len(set(sent))
    assert date(2026, 10, 30) not in sent and date(2026, 10, 31) not in sent
    assert sent == [date(2026, 10, d) for d in (27, 28, 29)] + [
        date(2026, 11, d) for d in (1, 2, 3)
    ]
    # Down for two hours over the slot on the 2nd: still sent once, late but inside grace.
    sent = simulate(rule, start, end, (utc(2026, 11, 3, 3, 30), utc(2026, 11, 3, 5, 30)))
    assert sent.count(date(2026, 11, 2)) == 1 and len(sent) == 8


def test_pause_and_stop():
    rule = Rule(time(9), "UTC", paused_until=utc(2026, 6, 3, 12))
    assert next_due(rule, utc(2026, 6, 1)) == utc(2026, 6, 4, 9)
    paused = decide(rule, utc(2026, 6, 1, 9), utc(2026, 6, 1, 9, 0, 30))
    assert paused.send_at is None and paused.next_due == utc(2026, 6, 4, 9)
    exact = Rule(time(9), "UTC", paused_until=utc(2026, 6, 3, 9))
    assert next_due(exact, utc(2026, 6, 1)) == utc(2026, 6, 3, 9)  # a pause ends at its end
    stopped = Rule(time(9), "UTC", active=False)
    assert next_due(stopped, utc(2026, 6, 1)) is None
    assert decide(stopped, utc(2026, 6, 1, 9), utc(2026, 6, 1, 9, 1)).send_at is None


def test_snooze_is_an_hour_unless_that_is_quiet():
    rule = Rule(time(20), "Asia/Kolkata", time(22), time(7))
    evening = utc(2026, 6, 1, 14, 30)  # 20:00 IST
    assert snooze_until(rule, evening) == evening + timedelta(hours=1)
    late = utc(2026, 6, 1, 16)  # 21:30 IST: an hour later is quiet
    assert local(snooze_until(rule, late), rule.zone).replace(tzinfo=None) == datetime(
        2026, 6, 2, 7
    )
