"""Build and run the python-telegram-bot Application over the core."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks, menu
from bot.context import CONTEXT_TYPES, FEATURES_KEY
from bot.features import (
    checkins,
    groups,
    info,
    live,
    observability,
    onboarding,
    practice,
    privacy,
    retention,
    safety,
    safety_plan,
    week,
)
from bot.http import AiohttpRequest
from bot.intake import ALLOWED_UPDATES, WEBHOOK_PATH, UpdatesBot, WebhookListener
from bot.logs import error_summary, setup_logging
from bot.outbox_sender import RateLimiter
from bot.pipeline import buttons, catchalls, flood, gate
from bot.processor import PerUserUpdateProcessor
from bot.services import Services
from bot.settings import Settings, SettingsError
from scenarios.library import Library, load_library
from state.coach import match_reply
from state.errors import UNAVAILABLE, AlreadyApplied, AppliedUnconfirmed
from state.practice.service import Practice
from state.safety import ResourcesError, parse_resources
from state.store import Store

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    services: Services | None = None,
    request=None,
    updates_request=None,
    rate_limit: bool = True,
    concurrency: int = 256,
) -> Application:
    """The Application; `request`s let tests drive PTB's real stack against a stub.

    Bot API calls go through aiohttp (bot/http.py says why), `concurrency` of them at once; the
    bot reads each polled update on its own (bot/intake.py says why).
    """
    # PTB's AIORateLimiter; the outbox sender's calls get a 429 back at once (it re-queues).
    limiter = RateLimiter(max_retries=3) if rate_limit else None
    bot = UpdatesBot(
        settings.check_token(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_file_base_url,
        request=request or AiohttpRequest(concurrency, pool_timeout=10),
        get_updates_request=updates_request or AiohttpRequest(1),
        rate_limiter=limiter,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(PerUserUpdateProcessor(concurrency))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    app = builder.build()
    app.bot_data["settings"] = settings
    if services is not None:
        app.bot_data["services"] = services
    add_handlers(app)
    return app


# Handler groups before and after the table's own (0): PTB runs one handler per group, lowest
# first, and ApplicationHandlerStop ends the update.
COUNT, FLOOD, GATE, SCREEN, MARK = observability.GROUP, -15, -10, -5, 100

# The core features, in the order their handlers go into the table; safety's first, whose
# answers to the direct question come before any consent (the question may come first).
CORE = (safety, onboarding, practice, info, safety_plan, privacy)
# The feature modules, after them: each has `handlers()`, and `setup(app)` if it runs more (its
# jobs, the outbox sender), and may list `COMMANDS`, `ACTIONS` and `on_text`. A new feature is
# added here, by name: nothing is discovered at run time.
FEATURES = (checkins, week, groups, live, observability, retention)


def handler_table() -> list[tuple[BaseHandler, int]]:
    """Every handler and its group, in order: what the bot does with an update."""
    private = filters.ChatType.PRIVATE
    message = private & filters.UpdateType.MESSAGE
    group_buttons = [name for m in FEATURES for name in getattr(m, "GROUP_ACTIONS", ())]
    routed: list[BaseHandler] = [
        # A choice press, the hot path, first: no other button pattern is tried on it.
        practice.choice_handler(),
        # A press outside the private chat gets a pointer there, bar a feature's own group
        # buttons (a live rehearsal's), which go on to its handler.
        buttons.OutsidePrivateChat(callbacks.actions(*group_buttons) if group_buttons else None),
        *(handler for module in (*CORE, *FEATURES) for handler in module.handlers()),
        # The catch-alls. Group chats: a pointer to the private chat for other commands (a
        # feature's own group commands, such as /live, come first), silence otherwise.
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, catchalls.in_group),
        CallbackQueryHandler(buttons.unrouted),  # data no feature routes: expired
        ChatMemberHandler(catchalls.membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(message & filters.COMMAND, catchalls.unknown_command),
        MessageHandler(message & filters.TEXT, practice.on_text),  # the features' text first
        MessageHandler(
            private & filters.UpdateType.EDITED_MESSAGE & filters.TEXT, catchalls.edited_text
        ),
        MessageHandler(message & ~filters.TEXT, catchalls.not_text),
    ]
    return [
        observability.counter(),
        # Past a user's cap of pending updates: the crisis check, one "slow down", nothing else.
        (TypeHandler(Update, flood.excess), FLOOD),
        (TypeHandler(Update, gate.before), GATE),
        # Words after a command are screened before the command runs ("/stop i want to die").
        (MessageHandler(message & filters.COMMAND, safety.command_words), SCREEN),
        *((handler, 0) for handler in routed),
        (TypeHandler(Update, gate.after), MARK),
    ]


def add_handlers(app: Application) -> None:
    # The routes for typed text find the features in the context (bot/context.py).
    app.bot_data[FEATURES_KEY] = FEATURES
    for handler, group in handler_table():
        app.add_handler(handler, group=group)
    for module in FEATURES:
        if hasattr(module, "setup"):
            module.setup(app)
    app.add_error_handler(on_error)


def feature_modules() -> tuple:
    """The feature modules (FEATURES); typed text asks them on every update."""
    return FEATURES


def all_commands() -> list[BotCommand]:
    return menu.commands(FEATURES)


NOT_SAVED = (
    "Sorry, that couldn't be saved: something is wrong on my side. Please try again in a few "
    "minutes."
)
NOT_SENT = (
    "Sorry, something went wrong on my side. Your progress is saved; please try again, or "
    "/practice to start over."
)
FAILED = "Sorry, something went wrong on my side. Please try again, or /practice to start over."
UNCONFIRMED = (
    "That's done, but my connection dropped before I could show you. /help shows where things "
    "stand."
)


def sorry(error: BaseException | None) -> str:
    """What the participant is told, true to what failed: a write (the store), a send (every
    handler commits before it sends, so the progress is saved), or something else."""
    if isinstance(error, UNAVAILABLE):
        return NOT_SAVED
    if isinstance(error, TelegramError):
        return NOT_SENT
    return FAILED


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update id and the error's type and stack, never its message or the user's text."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, AppliedUnconfirmed) and isinstance(update, Update):
        # Done once, but the reply was never sent: say so rather than leave silence.
        log.info("update %s: applied, the commit's answer lost", update_id)
        with contextlib.suppress(Exception):
            if update.callback_query is not None:
                await update.callback_query.answer()
            if update.effective_chat is not None and update.effective_chat.type == "private":
                await context.bot.send_message(update.effective_chat.id, UNCONFIRMED)
        return
    if isinstance(error, AlreadyApplied):
        # A redelivery the handler's own transaction found applied: nothing was done, and
        # nothing is said (a press still gets its spinner stopped).
        log.info("update %s: already applied, skipped", update_id)
        if isinstance(update, Update) and update.callback_query is not None:
            with contextlib.suppress(Exception):
                await update.callback_query.answer()
        return
    log.error("update %s failed: %s", update_id, error_summary(error) if error else "unknown error")
    if (
        isinstance(update, Update)
        and update.effective_chat is not None
        and update.effective_chat.type == "private"
    ):
        try:
            if update.callback_query is not None:
                await update.callback_query.answer()
            await context.bot.send_message(update.effective_chat.id, sorry(error))
        except Exception as exc:  # the error handler must never raise
            log.error("could not tell user about error: %s", type(exc).__name__)


async def _post_init(app: Application) -> None:
    if "services" not in app.bot_data:
        app.bot_data["services"] = await open_services(app.bot_data["settings"])
    try:
        await app.bot.set_my_commands(all_commands())
    except Exception as exc:
        log.warning("could not register commands: %s", type(exc).__name__)


async def _post_shutdown(app: Application) -> None:
    svc = app.bot_data.get("services")
    if svc is not None and app.bot_data.get("owns_store", True):
        await svc.store.close()


async def open_services(settings: Settings, library: Library | None = None) -> Services:
    if library is None:
        from pathlib import Path

        folder = settings.scenarios_dir
        library = load_library([Path(folder)]) if folder else load_library()
    for problem in library.errors:
        log.error("scenario left out: %s", problem)
    try:
        resources = parse_resources(settings.crisis_resources)
    except ResourcesError as exc:
        raise SettingsError(str(exc)) from None
    store = await Store.open(settings.database_url)
    return Services(
        settings, store, library, Practice(store, library, matcher=match_reply), resources
    )


def run_bot(settings: Settings) -> int:
    setup_logging(settings.log_level, [settings.token or ""])
    try:
        parse_resources(settings.crisis_resources)
        app = build_application(settings)
    except (SettingsError, ResourcesError) as exc:
        log.error("%s", exc)
        print(f"rehearse: {exc}")
        return 1
    secret = None
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        if not secret:
            print("rehearse: WEBHOOK_SECRET must be set with WEBHOOK_URL")
            return 1
    try:
        asyncio.run(serve(app, settings, secret))
    except InvalidToken:
        # PTB's message quotes the token; the traceback would put it in the journal.
        print(
            "rehearse: Telegram refused the token (401 Unauthorized): check TELEGRAM_BOT_TOKEN",
            file=sys.stderr,
        )
        return 1
    except (NetworkError, TimedOut) as exc:  # at start-up; later ones are retried
        print(f"rehearse: could not reach the Bot API: {type(exc).__name__}", file=sys.stderr)
        return 1
    return 0


async def serve(app: Application, settings: Settings, secret: str | None) -> None:
    """Run `app` until SIGINT/SIGTERM: long polling, or the webhook when `secret` is given.

    The steps of PTB's run_polling/run_webhook (initialize, post_init, start, and in reverse on
    the way out, post_stop and post_shutdown included), with the webhook served by
    bot/intake.py and only ALLOWED_UPDATES asked for.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    listener = None
    try:
        await app.initialize()  # getMe: InvalidToken when Telegram refuses the token
        if app.post_init:
            await app.post_init(app)
        if secret:
            listener = WebhookListener(app, secret, settings.webhook_listen, settings.webhook_port)
            await listener.start()
            await app.bot.set_webhook(
                f"{(settings.webhook_url or '').rstrip('/')}{WEBHOOK_PATH}",
                secret_token=secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        else:
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        await app.start()
        await stop.wait()
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if listener is not None:
            await listener.stop()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(asyncio.sleep(0))
