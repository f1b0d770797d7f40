"""Typed text is kept only in a form Telegram, UTF-8 and PostgreSQL can all carry.

A lone surrogate (JSON may spell half a UTF-16 pair, "\\ud83d") or a NUL in a safety-plan
answer, a check-in note or a typed reply is dropped before it is stored; a row stored before
this cleaning is cleaned when it is read, so the card's plan and /mydata still go out.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from state.coach import match_reply
from state.db.models import SafetyPlan, Turn
from state.engine import Feedback, Reply
from state.practice.service import Practice
from state.privacy import export_user
from state.safety.service import Safety
from state.store import Store
from state.text import clean_text

USER = 7070
LONE = "\ud83d"  # the first half of 😀, alone


def test_clean_text_drops_lone_surrogates_and_nul_and_keeps_the_rest():
    assert clean_text(f"call Dana {LONE}at 555\x00-0100") == "call Dana at 555-0100"
    assert clean_text("\udc80tail") == "tail"  # a lone second half too
    assert clean_text("\ud83d\ude00 joined") == "😀 joined"  # two halves make one character
    kept = "naïve — 😀 \u200d \t\n ok"
    assert clean_text(kept) == kept


async def test_a_plan_answer_is_stored_clean_and_shown(store: Store):
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    await Safety(store).start_plan(USER)
    await Safety(store).answer_step(USER, f"  when I stop {LONE}sleeping\x00  ")
    async with store.transaction(None) as uow:
        plan = await uow.session.scalar(select(SafetyPlan).where(SafetyPlan.user_id == USER))
        assert plan is not None and plan.answers == {"warning_signs": "when I stop sleeping"}
    assert await Safety(store).plan_text(USER) == "Warning signs: when I stop sleeping"


async def test_a_typed_reply_is_kept_clean(store: Store, real_library):
    practice = Practice(store, real_library, match_reply)
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    await store.run(USER, lambda uow: uow.users.set_keep_typed_text(USER, True))
    await practice.begin(USER, "family/birthday-or-group", seed=1)
    typed = f"Mom, tomorrow is Thursday, {LONE}my group night. Can we do Friday?\x00"
    turn = await practice.act(USER, Reply(typed))
    said = [o.said for o in turn.outputs if isinstance(o, Feedback)]
    assert said == ["Mom, tomorrow is Thursday, my group night. Can we do Friday?"]  # quoted back
    async with store.transaction(None) as uow:
        kept = await uow.session.scalar(select(Turn.typed_text).where(Turn.user_id == USER))
    assert kept == said[0]


async def test_rows_stored_before_the_cleaning_are_shown_and_exported(store: Store):
    """An answer stored by an older version (both databases keep the surrogate in a JSON
    column) is read clean: the plan under the card, and the /mydata export, which is UTF-8."""
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))

    async def old_row(uow) -> None:
        uow.session.add(SafetyPlan(user_id=USER, answers={"people": f"Dana {LONE}555"}))

    await store.run(USER, old_row)
    assert await Safety(store).plan_text(USER) == "People I can ask for help: Dana 555"
    exported = await export_user(store, USER)
    payload = json.dumps(exported, ensure_ascii=False, default=str).encode("utf-8")
    assert "Dana 555" in payload.decode()
