"""Looking back over check-ins: /progress's overview, the Sunday summary, the diary card's week
(and sending it to a leader), and what a group's leader may see. Each function runs inside
the caller's transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from state import checkin_replies, groups, outbox
from state.checkin_items import DEFAULT_PROGRAM, EMOTIONS, MEDS, PRACTICE, Program
from state.checkins.messages import weekly_message
from state.checkins.records import (
    CheckinRecord,
    GroupCheckinSummary,
    Overview,
    Week,
)
from state.checkins.repo import CheckinRepo
from state.checkins.settings import get_settings
from state.practice.progress import streak
from state.schedule import local_today
from state.store import UnitOfWork

MIN_SHARING = 3  # a group figure pools at least this many members, or isn't shown
HALT: dict[str, str] = {"hungry": "Hungry", "angry": "Angry", "lonely": "Lonely", "tired": "Tired"}
CARD_KIND = "diary-card"


async def history(uow: UnitOfWork, user_id: int, since: date) -> list[CheckinRecord]:
    """Completed check-ins from `since` on, oldest first."""
    return await CheckinRepo(uow).history(user_id, since)


async def checkin_days(uow: UnitOfWork, user_id: int) -> list[date]:
    return await CheckinRepo(uow).days(user_id)


async def overview(uow: UnitOfWork, user_id: int, now: datetime, days: int = 14) -> Overview:
    settings = await get_settings(uow, user_id)
    today = local_today(settings.timezone if settings and settings.timezone else "UTC", now)
    all_days = await checkin_days(uow, user_id)
    recent = await history(uow, user_id, today - timedelta(days=days - 1))
    return Overview(settings, recent, streak(all_days, today), len(all_days), today)


def weekly_figures(records: list[CheckinRecord], week_end: date) -> dict[str, Any]:
    """What the Sunday summary of the week ending `week_end` says, as data (pure): how many
    check-ins, the mood's average and range, the urges' average, the feeling and the HALT
    state named most, the three skills used most (keys; the channel words them)."""
    week = [r for r in records if week_end - timedelta(days=6) <= r.local_date <= week_end]
    moods = [r.mood for r in week if r.mood is not None]
    urges = [r.urge for r in week if r.urge is not None]
    emotions = Counter(r.emotion for r in week if r.emotion)
    halt = Counter(h for r in week for h in r.halt or ())
    skills = Counter(s for r in week for s in r.skills or ())
    return {
        "count": len(week),
        "mood": [sum(moods) / len(moods), min(moods), max(moods)] if moods else None,
        "urge": sum(urges) / len(urges) if urges else None,
        "emotion": emotions.most_common(1)[0][0] if emotions else None,
        "halt": halt.most_common(1)[0][0] if halt else None,
        "skills": [s for s, _ in skills.most_common(3)],
    }


async def week(
    uow: UnitOfWork, user_id: int, now: datetime, program: Program = DEFAULT_PROGRAM
) -> Week:
    settings = await get_settings(uow, user_id)
    today = local_today(settings.timezone if settings and settings.timezone else "UTC", now)
    records = await history(uow, user_id, today - timedelta(days=13))
    hidden = settings.hidden_items if settings else ()
    recovery = bool(settings and settings.recovery_track)
    items = tuple(
        i
        for i in program.items
        if (i not in hidden or i == "mood") and (i != "urge" or recovery) and i != "note"
    )
    days = tuple(today - timedelta(days=n) for n in range(6, -1, -1))
    return Week(
        days,
        {r.local_date: r for r in records if r.local_date in days},
        items,
        checkin_replies.rode_out_count(records),
        recovery,
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


def card_data(week: Week, program: Program = DEFAULT_PROGRAM, name: str = "") -> dict[str, Any]:
    """The week as plain data (what the card means; channels draw it, as a picture or a PDF,
    and a card sent to a leader is queued as this): day labels, and rows of (label, cells,
    whether a cell of 3+ there is a safety signal)."""
    rows: list[list[Any]] = []

    def row(label: str, cells: list[object], safety: bool = False) -> None:
        rows.append([label, [_cell(c) for c in cells], safety])

    recs = [week.records.get(d) for d in week.days]

    def each(get) -> list[object]:  # noqa: ANN001 - a getter
        return [get(r) if r is not None else None for r in recs]

    for item in week.items:
        if item == "mood":
            row("Mood (0-5)", each(lambda r: r.mood))
        elif item == "emotions":
            rated = [e for e in program.emotions if any(r and e in r.emotions for r in recs)]
            for key in rated:
                row(f"{EMOTIONS[key]} (0-5)", each(lambda r, k=key: r.emotions.get(k)))
            if not rated:
                row("Strongest feeling", each(lambda r: EMOTIONS.get(r.emotion or "")))
        elif item == "urge":
            row("Urge to use (0-5)", each(lambda r: r.urge))
            row("Acted on it", each(lambda r: r.acted))
        elif item == "self_harm":
            row("Self-harm urge (0-5)", each(lambda r: r.self_harm), True)
        elif item == "suicidal":
            row("Suicidal thoughts (0-5)", each(lambda r: r.suicidal), True)
        elif item == "quit":
            row("Urge to skip or quit (0-5)", each(lambda r: r.quit_urge))
        elif item == "meds":
            row("Meds as prescribed", each(lambda r: MEDS.get(r.meds or "")))
        elif item == "sleep":
            row("Sleep (hours)", each(lambda r: r.sleep_hours))
        elif item == "halt":
            row("HALT", each(lambda r: "".join(h[0].upper() for h in r.halt or ()) or None))
        elif item == "skills":
            row("Skills used", each(lambda r: len(r.skills) if r.skills is not None else None))
            row("Skill use (0-7)", each(lambda r: r.skill_rating))
        elif item == "practice":
            row("Tried the practice", each(lambda r: PRACTICE.get(r.practice or "")))
    skills = Counter(s for r in recs if r for s in r.skills or ())
    return {
        "name": name,
        "days": [f"{d:%a} {d.day}" for d in week.days],
        "period": f"{week.days[0]:%b} {week.days[0].day} to {week.days[-1]:%b} {week.days[-1].day}",
        "rows": rows,
        "skills": [program.skill_label(s) for s, _ in skills.most_common()],
        "rode_out": week.rode_out,
        "recovery": week.recovery,
    }


async def send_card(
    uow: UnitOfWork,
    user_id: int,
    group_id: int,
    now: datetime,
    program: Program = DEFAULT_PROGRAM,
) -> str | None:
    """Queue this week's card to the leader of a group the participant is in, because they
    confirmed it: the only way a leader sees one participant's answers. The row holds what the
    card says (the bot draws the PDF when it sends). The leader's name, or None if not a member.
    """
    found = [(g, m) for g, m in await groups.member_groups(uow, user_id) if g.id == group_id]
    if not found:
        return None
    group, member = found[0]
    card = card_data(await week(uow, user_id, now, program), program, member.display_name)
    await outbox.enqueue(
        uow,
        chat_id=group.leader_id,
        user_id=group.leader_id,
        subject_id=user_id,  # about the member: theirs to export and erase too
        kind=CARD_KIND,
        ref=str(group.id),
        text="",
        extra={
            "card": card,
            # The caption says who sent it, from which group (bot/features/checkin_messages.py).
            "means": {
                "kind": CARD_KIND,
                "member": member.display_name,
                "group": group.name,
                "period": card["period"],
            },
        },
        dedupe_key=f"diary-card:{group.id}:{user_id}:{now:%Y%m%d%H%M}",
        not_before=now,
    )
    return group.leader_name


async def queue_weekly(uow: UnitOfWork, user_id: int, day: date, now: datetime) -> bool:
    # Sent with Sunday's check-in, about the seven days before it.
    week_end = day - timedelta(days=1)
    records = await history(uow, user_id, week_end - timedelta(days=6))
    message = weekly_message(user_id, day, weekly_figures(records, week_end), now)
    return await outbox.enqueue_many(uow, [message]) == 1


def _joined_on(joined_at: datetime, timezone: str | None) -> date:
    try:
        return local_today(timezone or "UTC", joined_at)
    except (ValueError, LookupError):  # a zone gone from the system's database
        return joined_at.astimezone(UTC).date()


async def group_checkin_summary(
    uow: UnitOfWork, group_id: int, since: date, until: date | None = None
) -> GroupCheckinSummary:
    """Completion and averages over `since`..`until` (default: today, UTC) for the group's
    current members who share their check-ins with it, each counted from the (local) day they
    joined. A group's size is small, so its few rows are pooled here rather than in SQL."""
    until = until or datetime.now(UTC).date()
    days = max(0, (until - since).days + 1)
    people = await groups.members(uow, group_id)
    sharing = [p.user_id for p in people if p.share_checkins]
    repo = CheckinRepo(uow)
    zones = await repo.timezones(sharing) if sharing else {}
    start = {
        p.user_id: max(since, _joined_on(p.joined_at, zones.get(p.user_id)))
        for p in people
        if p.share_checkins
    }
    if not start or days == 0:
        return GroupCheckinSummary(len(people), len(start), 0, days)
    rows = await repo.completed(start, since, until)
    seen = [r for r in rows if r.local_date >= start[r.user_id]]
    notes = tuple((r.user_id, r.local_date, r.note) for r in seen if r.shared_note and r.note)
    checked_in = {r.user_id for r in seen}
    summary = GroupCheckinSummary(
        len(people), len(start), len(checked_in), days, shared_notes=notes
    )
    if len(checked_in) < MIN_SHARING:
        return summary
    member_days = sum(max(0, (until - day).days + 1) for day in start.values())
    moods = [r.mood for r in seen if r.mood is not None]
    urged = [r for r in seen if r.urge is not None]
    enough_urges = len({r.user_id for r in urged}) >= MIN_SHARING
    return replace(
        summary,
        completed=len(seen),
        completion=len(seen) / member_days,
        avg_mood=sum(moods) / len(moods) if moods else None,
        avg_urge=sum(r.urge for r in urged) / len(urged) if enough_urges else None,
        acted_days=sum(bool(r.acted) for r in urged) if enough_urges else None,
    )
