"""`rehearse leaders …`: who may run groups, managed on the server (a sub-app of bot/cli).

Admins (ADMIN_USER_IDS) can also do this from the bot with /leaders; this is for the first
leader, for scripts, and for when the bot isn't running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from bot.cli.db import Url, _target
from state.groups.service import Groups
from state.store import Store

T = TypeVar("T")

LeaderId = Annotated[int, typer.Argument(help="The leader's numeric Telegram user id")]
app = typer.Typer(help="Group leaders: add, remove, list", no_args_is_help=True)


def _run(url: str | None, action: Callable[[Groups], Awaitable[T]]) -> T:
    """One action of the groups service on the database at `url`, then close it."""

    async def go() -> T:
        store = await Store.open(_target(url))
        try:
            return await action(Groups(store))  # no admins: the operator acts on the server
        finally:
            await store.close()

    try:
        return asyncio.run(go())
    except Exception as exc:  # noqa: BLE001 - one readable line, never a traceback
        typer.echo(
            f"rehearse: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}", err=True
        )
        raise typer.Exit(1) from None


def _check(telegram_id: int) -> None:
    if telegram_id <= 0:
        typer.echo("rehearse: a Telegram user id is a positive number", err=True)
        raise typer.Exit(2)


@app.command()
def add(telegram_id: LeaderId, url: Url = None) -> None:
    """Make someone a group leader (they can then /newgroup in the bot)."""
    _check(telegram_id)
    changed = _run(url, lambda groups: groups.make_leader(telegram_id))
    typer.echo(f"{telegram_id} is {'now' if changed else 'already'} a group leader.")


@app.command()
def remove(telegram_id: LeaderId, url: Url = None) -> None:
    """Stop someone being a leader, at once: their groups close and their members are told."""
    _check(telegram_id)
    removal = _run(url, lambda groups: groups.remove_leader(None, telegram_id))
    if not removal.removed:
        typer.echo(f"{telegram_id} was not a group leader.")
        return
    typer.echo(
        f"{telegram_id} is no longer a group leader: {removal.groups} group(s) closed, "
        f"{removal.members} member(s) taken out of them (the bot tells them), "
        f"{removal.invites} link(s) revoked, {removal.alerts} pending crisis alert(s) withdrawn."
    )


@app.command("list")
def list_leaders(url: Url = None) -> None:
    """Print the group leaders' Telegram ids, one a line."""
    rows = _run(url, lambda groups: groups.leaders())
    if not rows:
        typer.echo("No group leaders yet: rehearse leaders add TELEGRAM_ID")
    for leader, groups in rows:
        typer.echo(f"{leader}\t{groups} group(s)")
