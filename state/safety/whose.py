"""Whose danger a message tells of: the writer's own, or someone else's.

Someone who writes that a son or a friend wants to kill himself is asked about their own life
all the same (they may be at risk too), but is also told that the numbers serve people worried
about someone else, and a card opens on that person (a participant trial: "my brother keeps
saying he wants to end it" got a question about the writer alone). This reads words, not the
model: it changes what the question and the card say, never whether they are shown.
"""

from __future__ import annotations

import re

# Danger told of a third person: harm to his or her own self or life, a wish to die, a plan
_THEIRS = re.compile(
    r"\b(kill|killing|killed|hurt|hurting|harm|harming|cut|cutting|off|offing|shoot|shooting|"
    r"hang|hanging|end|ending) (himself|herself|themselves|themself)\b"
    r"|\b(end|ending|take|taking) (his|her|their) (own )?life\b"
    r"|\b(he|she|they)(?: is|'s| are|'re| was| were| has been| have been| seems| seemed)? "
    r"(suicidal|talking about (suicide|dying|killing (himself|herself|themselves)))\b"
    r"|\b(he|she|they) (wants|want|wanna|wanted) to (die|be dead|not be here|not exist)\b"
    r"|\b(his|her|their) (suicide|goodbye) (note|letter|text|plan)\b"
    r"|\bmy (son|daughter|kid|child|teen|mom|mother|dad|father|husband|wife|partner|boyfriend|"
    r"girlfriend|bf|gf|brother|sister|cousin|friend|best friend|bestie|buddy|roommate|sponsor|"
    r"coworker)('s| is| was| seems| might be| may be| could be)( really| so)? suicidal\b"
)
# ... and not the writer's own: any of these, and the question is the writer's alone
_MINE = re.compile(
    r"\b(myself|my (own )?life|kill me|i (want|wanna) to die|i'm suicidal|im suicidal|i am "
    r"suicidal|me dead|end it all|my (suicide|goodbye) (note|letter))\b"
)


def about_someone_else(text: str) -> bool:
    """Whether the danger told is a third person's and not also the writer's own."""
    said = text.lower().replace("\u2019", "'")
    return bool(_THEIRS.search(said)) and not _MINE.search(said)
