"""What a leader sees of a group: delivery and completion per push, and the style mix.

Only what members agreed to when they joined: for each push, whether they started and finished
that scenario after it was pushed (and after they joined), and the styles of their choices in
those runs. Nothing of their other practice, never what they typed unless they chose to share
transcripts. Members who left are not shown at all.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from scenarios.library import Library
from state.db.models import Run, Turn
from state.groups import (
    Delivery,
    GroupRecord,
    MemberRecord,
    PushRecord,
    delivery,
    group_pushes,
    members,
)
from state.store import UnitOfWork

STYLES = ("assertive", "passive", "aggressive", "passive-aggressive")


@dataclass(frozen=True)
class MemberStatus:
    """One member against one push."""

    started: bool = False
    finished: bool = False
    outcome: str | None = None
    styles: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PushLine:
    push: PushRecord
    delivery: Delivery
    started: int
    finished: int


@dataclass(frozen=True)
class MemberLine:
    member: MemberRecord
    started: int
    finished: int
    styles: dict[str, int]


@dataclass(frozen=True)
class TranscriptLine:
    """A choice in a shared run: the choice id and, if they kept it, what they typed."""

    push_id: int
    scenario_id: str
    step: int
    node: str
    choice_id: str
    style: str | None
    typed_text: str | None


@dataclass(frozen=True)
class GroupReport:
    group: GroupRecord
    members: list[MemberLine]
    pushes: list[PushLine]
    status: dict[tuple[int, int], MemberStatus]  # (push id, user id) → what they did
    styles: dict[str, int]
    weeks: list[tuple[date, dict[str, int]]]  # Monday of the week → style counts
    transcripts: dict[int, list[TranscriptLine]] = field(default_factory=dict)


def week_of(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


async def group_report(
    uow: UnitOfWork, group: GroupRecord, *, with_transcripts: bool = False
) -> GroupReport:
    """The report for a group the caller has already checked the leader owns."""
    people = await members(uow, group.id)
    pushes = await group_pushes(uow, group.id)
    counts = await delivery(uow, [p.id for p in pushes])
    ids = [m.user_id for m in people]
    scenario_ids = sorted({p.scenario_id for p in pushes})
    runs = []
    if ids and scenario_ids:
        runs = list(
            await uow.session.scalars(
                select(Run)
                .where(Run.user_id.in_(ids), Run.scenario_id.in_(scenario_ids))
                .order_by(Run.id)
            )
        )
    joined = {m.user_id: m.joined_at for m in people}
    seen: dict[tuple[int, int], list[Run]] = {}
    visible: dict[int, int] = {}  # run id → the (latest) push it counts for
    for push in pushes:
        for member in people:
            since = max(push.created_at, joined[member.user_id])
            seen[(push.id, member.user_id)] = [
                r
                for r in runs
                if r.user_id == member.user_id
                and r.scenario_id == push.scenario_id
                and r.started_at >= since
            ]
            for r in seen[(push.id, member.user_id)]:
                visible[r.id] = push.id
    turns = []
    if visible:
        turns = list(
            await uow.session.scalars(
                select(Turn).where(Turn.run_id.in_(list(visible))).order_by(Turn.id)
            )
        )
    by_run: dict[int, Counter[str]] = {}
    by_member: dict[int, Counter[str]] = {m.user_id: Counter() for m in people}
    by_week: dict[date, Counter[str]] = {}
    for t in turns:
        if t.style:
            by_run.setdefault(t.run_id, Counter())[t.style] += 1
            by_member[t.user_id][t.style] += 1
            by_week.setdefault(week_of(t.created_at), Counter())[t.style] += 1
    status: dict[tuple[int, int], MemberStatus] = {}
    for key, mine in seen.items():
        ended = [r for r in mine if r.status == "ended"]
        styles: Counter[str] = Counter()
        for r in mine:
            styles.update(by_run.get(r.id, {}))
        status[key] = MemberStatus(
            bool(mine), bool(ended), ended[-1].outcome if ended else None, dict(styles)
        )
    transcripts: dict[int, list[TranscriptLine]] = {}
    if with_transcripts:
        sharing = {m.user_id for m in people if m.share_transcripts}
        run_scenario = {r.id: r.scenario_id for r in runs}
        for t in turns:
            if t.user_id in sharing:
                transcripts.setdefault(t.user_id, []).append(
                    TranscriptLine(
                        visible[t.run_id],
                        run_scenario[t.run_id],
                        t.step,
                        t.node,
                        t.choice_id,
                        t.style,
                        t.typed_text,
                    )
                )
    member_lines = [
        MemberLine(
            m,
            sum(status[(p.id, m.user_id)].started for p in pushes),
            sum(status[(p.id, m.user_id)].finished for p in pushes),
            dict(by_member[m.user_id]),
        )
        for m in people
    ]
    push_lines = [
        PushLine(
            p,
            counts.get(p.id, Delivery()),
            sum(status[(p.id, m.user_id)].started for m in people),
            sum(status[(p.id, m.user_id)].finished for m in people),
        )
        for p in pushes
    ]
    total: Counter[str] = Counter()
    for c in by_member.values():
        total.update(c)
    return GroupReport(
        group,
        member_lines,
        push_lines,
        status,
        dict(total),
        [(w, dict(by_week[w])) for w in sorted(by_week)],
        transcripts,
    )


def percentages(styles: dict[str, int]) -> list[tuple[str, int]]:
    """(style, whole percent) in a fixed order, leaving out styles never chosen."""
    total = sum(styles.values())
    if not total:
        return []
    order = [s for s in STYLES if s in styles] + sorted(set(styles) - set(STYLES))
    return [(s, round(100 * styles[s] / total)) for s in order]


def choice_label(library: Library | None, line: TranscriptLine) -> str:
    """The button's words for a stored choice, or its id if the scenario has changed since."""
    scenario = library.get(line.scenario_id) if library is not None else None
    node = scenario.nodes.get(line.node) if scenario is not None else None
    choice = next((c for c in node.choices if c.id == line.choice_id), None) if node else None
    return choice.text if choice is not None else line.choice_id


def export_csv(
    report: GroupReport,
    library: Library | None = None,
    notes: Sequence[tuple[int, date, str]] = (),
) -> str:
    """One row per member and push; the transcript column only for members who share it.
    Then one row per check-in note a member shared with the leader (`notes`: (user id, day,
    text), from state.checkins.group_checkin_summary), with the push columns empty."""

    def title_of(scenario_id: str) -> str:
        scenario = library.get(scenario_id) if library is not None else None
        return scenario.title if scenario is not None else scenario_id

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "group",
            "member",
            "joined",
            "push_date",
            "scenario_id",
            "scenario",
            "started",
            "finished",
            "outcome",
            *STYLES,
            "transcript",
            "note_date",
            "note",
        ]
    )
    for line in report.members:
        m = line.member
        for push in report.pushes:
            p = push.push
            st = report.status[(p.id, m.user_id)]
            transcript = ""
            if m.share_transcripts:
                transcript = " | ".join(
                    choice_label(library, t) + (f" (typed: {t.typed_text})" if t.typed_text else "")
                    for t in report.transcripts.get(m.user_id, [])
                    if t.push_id == p.id
                )
            writer.writerow(
                [
                    report.group.name,
                    _cell(m.display_name),
                    m.joined_at.date().isoformat(),
                    p.created_at.date().isoformat(),
                    p.scenario_id,
                    title_of(p.scenario_id),
                    "yes" if st.started else "no",
                    "yes" if st.finished else "no",
                    st.outcome or "",
                    *[st.styles.get(s, 0) for s in STYLES],
                    _cell(transcript),
                    "",
                    "",
                ]
            )
    members = {line.member.user_id: line.member for line in report.members}
    for user_id, day, note in notes:
        m = members.get(user_id)
        if m is None:  # left since: nothing of theirs is shown
            continue
        blank = ["", "", "", "", "", "", *["" for _ in STYLES], ""]
        writer.writerow(
            [
                report.group.name,
                _cell(m.display_name),
                m.joined_at.date().isoformat(),
                *blank,
                day.isoformat(),
                _cell(note),
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """Defuse spreadsheet formulas: a cell a member controls must not start with = + - @."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
