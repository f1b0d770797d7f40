"""The outbox: messages decided inside a transaction, sent later within Telegram's limits.

`queue` puts them in (`enqueue`, `enqueue_many`, `meaning`, inside the caller's transaction)
and keeps the counts, the gauge and the purge; `delivery` is the sender's bookkeeping (claim,
settle, recover), the SQL half of bot/outbox_sender.py. The queue's names are re-exported here,
so `from state import outbox` then `outbox.enqueue(…)` reads as before.
"""

from state.outbox.queue import (
    Buttons,
    Message,
    counts,
    enqueue,
    enqueue_many,
    meaning,
    meaning_to_each,
    purge_settled,
    queued_depth,
    set_reachable,
)

__all__ = [
    "Buttons",
    "Message",
    "counts",
    "enqueue",
    "enqueue_many",
    "meaning",
    "meaning_to_each",
    "purge_settled",
    "queued_depth",
    "set_reachable",
]
