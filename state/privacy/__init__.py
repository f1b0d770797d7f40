"""Privacy: what is stored about one person, shown to them, kept only as they chose, erased.

The service (service.py) is what a channel calls, one user action per function and one
transaction each: the export and its summary, keeping typed replies or not, and erasing (asked
for, then confirmed). Under it: `export`, the rows of every table that names a user, inside a
caller's transaction, and what each table is; `summary`, the export read as facts (pure);
`retention`, the hourly purge of what is kept only for a while.

The names below are the package's surface, so `from state.privacy import …` reads as it did
when this was one module. Nothing in state/ imports this package, so re-exporting the service
here costs no cycle.
"""

from state.privacy.export import ABOUT_TABLES, export_rows, user_columns
from state.privacy.retention import Purged, purge_expired
from state.privacy.service import (
    ERASE_CONFIRM_TTL,
    ask_to_erase,
    cancel_erase,
    confirm_erase,
    delete_user,
    export_and_summary,
    export_user,
    keep_typed_text,
    keeps_typed_text,
)
from state.privacy.summary import DataSummary, GroupJoined, ScenarioPlayed, summarise_export

__all__ = [
    "ABOUT_TABLES",
    "ERASE_CONFIRM_TTL",
    "DataSummary",
    "GroupJoined",
    "Purged",
    "ScenarioPlayed",
    "ask_to_erase",
    "cancel_erase",
    "confirm_erase",
    "delete_user",
    "export_and_summary",
    "export_rows",
    "export_user",
    "keep_typed_text",
    "keeps_typed_text",
    "purge_expired",
    "summarise_export",
    "user_columns",
]
