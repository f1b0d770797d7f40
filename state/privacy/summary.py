"""The export read as facts: what the bot knows about one person, counted and named, without
its bookkeeping (pure: the export's rows in, the records out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class ScenarioPlayed:
    scenario_id: str
    started: int
    finished: int
    last: date


@dataclass(frozen=True, slots=True)
class GroupJoined:
    name: str
    joined: date
    share_transcripts: bool
    alert_leader: bool


@dataclass(frozen=True, slots=True)
class DataSummary:
    """What the bot knows about one person, as facts a reader can take in: the export's rows
    counted and named, without its bookkeeping."""

    user_id: int
    known: bool  # is anything stored at all (not even the id after /delete)
    since: date | None = None
    consented: date | None = None
    keep_typed: bool = False
    scenarios: tuple[ScenarioPlayed, ...] = ()
    styles: dict[str, int] = field(default_factory=dict)
    typed_kept: int = 0
    crises: tuple[tuple[date, str], ...] = ()
    plan_steps: int = 0
    checkin_time: str | None = None  # "09:00"
    checkin_zone: str | None = None
    checkins_on: bool = False
    checkins: int = 0
    checkin_notes: int = 0
    groups: tuple[GroupJoined, ...] = ()
    leads: tuple[str, ...] = ()
    waiting: int = 0  # messages queued for them, not yet sent
    bookkeeping: dict[str, int] = field(default_factory=dict)  # table -> rows


def _day(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def summarise_export(tables: dict[str, list[dict[str, Any]]], user_id: int,
                     group_names: dict[int, str]) -> DataSummary:  # fmt: skip
    """The export's tables as a summary (pure: the rows in, the facts out)."""
    users = tables.get("users") or []
    if not users:
        return DataSummary(user_id, known=False)
    me = users[0]
    played: dict[str, list[dict[str, Any]]] = {}
    for run in tables.get("runs", []):
        played.setdefault(str(run.get("scenario_id")), []).append(run)
    scenarios = tuple(
        sorted(
            (
                ScenarioPlayed(
                    sid,
                    len(runs),
                    sum(r.get("status") == "ended" for r in runs),
                    max(_day(r.get("updated_at") or r.get("started_at")) or date.min for r in runs),
                )  # fmt: skip
                for sid, runs in played.items()
            ),
            key=lambda p: p.last,
            reverse=True,
        )
    )
    styles: dict[str, int] = {}
    for turn in tables.get("turns", []):
        if turn.get("style"):
            styles[turn["style"]] = styles.get(turn["style"], 0) + 1
    plans = tables.get("safety_plans") or []
    answers = plans[0].get("answers") if plans else None
    settings = (tables.get("checkin_settings") or [{}])[0]
    checkins = [c for c in tables.get("checkins", []) if c.get("step") == "done"]
    members = [m for m in tables.get("memberships", []) if not m.get("left_at")]
    outbox = tables.get("outbox", [])
    return DataSummary(
        user_id,
        known=True,
        since=_day(me.get("created_at")),
        consented=_day(me.get("consented_at")),
        keep_typed=bool(me.get("keep_typed_text")),
        scenarios=scenarios,
        styles=styles,
        typed_kept=sum(1 for t in tables.get("turns", []) if t.get("typed_text")),
        crises=tuple(
            (_day(e.get("created_at")) or date.min, str(e.get("category") or ""))
            for e in tables.get("safety_events", [])
        ),
        plan_steps=sum(1 for v in (answers or {}).values() if v)
        if isinstance(answers, dict)
        else 0,
        checkin_time=str(settings["local_time"])[:5] if settings.get("local_time") else None,
        checkin_zone=settings.get("timezone"),
        checkins_on=bool(settings.get("active")),
        checkins=len(checkins),
        checkin_notes=sum(1 for c in checkins if c.get("note")),
        groups=tuple(
            GroupJoined(
                group_names.get(int(m["group_id"]), "a group"),
                _day(m.get("joined_at")) or date.min,
                bool(m.get("share_transcripts")),
                bool(m.get("alert_leader")),
            )
            for m in members
        ),
        leads=tuple(str(g.get("name")) for g in tables.get("groups", [])),
        waiting=sum(1 for o in outbox if o.get("status") in ("queued", "sending")),
        bookkeeping={
            name: len(tables[name]) for name in ("processed_updates", "outbox") if tables.get(name)
        },
    )
