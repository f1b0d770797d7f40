"""The direct question, asked outside the role-play when a signal is probable but not sure:
its words for each kind of signal, what follows an answer, and the answers people type in words
instead of pressing its buttons (`typed_answer`).
"""

from __future__ import annotations

import re

from state.safety.card import (
    DEFAULT_RESOURCES,
    SOMEONE_ELSE_CATEGORIES,
    SUBSTANCE_USE,
    Resource,
)

_ASKED = "are you thinking about ending your life or hurting yourself?"
# What the question asks, where the signal was of another kind than harm to oneself: someone
# who wrote that a partner threatens them is asked about that, not only about suicide.
_ASKED_FOR = {
    "danger-from-others": "are you in danger from someone, or thinking about ending your life "
    "or hurting yourself?",
    "harm-to-others": "are you thinking about hurting someone, or about ending your life or "
    "hurting yourself?",
}
SAME_MOMENT = "Back to the scene, at the same moment:"
# Someone else's too: a parent writes that a child got into the methadone (a participant trial)
_TOO_MUCH = (
    "If you, or anyone you look after, may have swallowed or taken too much of something, even "
    "by accident, don't wait:"
)

# Someone else's danger, told by the writer (`state.crisis.about_someone_else`); the button's
# own words. A channel finds SOMEONE_ELSE (no quote or apostrophe, which HTML would escape) in
# the question a press came from: the numbers' card then opens on that person.
SOMEONE_ELSE = "worried about someone else"
_SOMEONE_ELSE_TEXT = (
    "If someone you care about may be thinking of ending their life or hurting themselves, you "
    "don't have to carry that alone: \u201cShow me support numbers\u201d lists people who help "
    f"those who are {SOMEONE_ELSE}, too."
)


def question_text(
    category: str | None,
    resources: tuple[Resource, ...] = DEFAULT_RESOURCES,
    someone_else: bool = False,
) -> str:
    """The direct question for a probable signal of this category. A possible overdose, taken
    by accident as often as not, gets the deployment's overdose numbers before the question:
    "no" to a question about ending one's life must not leave someone without them. Someone
    else's danger (`someone_else`) is named first, with where the numbers are: "no" about
    one's own life must not leave a worried friend or parent without them either."""
    asked = _ASKED_FOR.get(category or "", _ASKED)
    lines = _overdose_lines(resources) if category == "overdose" else ""
    if lines:
        first = f"{_TOO_MUCH}\n{lines}"
    elif someone_else and category in SOMEONE_ELSE_CATEGORIES:
        first = _SOMEONE_ELSE_TEXT
    else:
        return f"I want to check in, outside the role-play: {asked}"
    return f"I want to check in, outside the role-play.\n\n{first}\n\nAnd {asked}"


def _overdose_lines(resources: tuple[Resource, ...]) -> str:
    """The deployment's overdose resources that can't wait: not a helpline for later (substance
    use), nor what every card lists."""
    urgent = [
        r for r in resources if "overdose" in r.categories and SUBSTANCE_USE not in r.categories
    ]
    return "\n".join(f"• {r.name}: {r.contact}" for r in urgent)


def still_reach_out_text(
    category: str | None, resources: tuple[Resource, ...] = DEFAULT_RESOURCES
) -> str | None:
    """The thanks for "I'm safe" with a possible overdose's numbers again (not thinking of
    ending one's life doesn't make it safe), or None where there are none to give: the part
    of `back_to_scene_text` a channel sends before any write, so no database holds it back."""
    lines = _overdose_lines(resources) if category == "overdose" else ""
    if not lines:
        return None
    return (
        "Thank you for telling me. If you, or anyone you look after, may have swallowed or "
        f"taken too much of something, please still reach out now:\n{lines}"
    )


def back_to_scene_text(
    category: str | None,
    resources: tuple[Resource, ...] = DEFAULT_RESOURCES,
    then: str = SAME_MOMENT,
) -> str:
    """The thanks for "I'm safe", then what comes next; a possible overdose's numbers again,
    first (`still_reach_out_text`)."""
    numbers = still_reach_out_text(category, resources)
    return f"Thank you for telling me. {then}" if numbers is None else f"{numbers}\n\n{then}"


def ask_again_text(category: str | None, how: str = "Tap an answer below") -> str:
    """ASK_AGAIN for the question of this category; `how` to answer where the reader is."""
    asked = _ASKED_FOR.get(category or "", _ASKED)
    return f"Before we go on, I'd like to be sure: {asked} {how}, or type yes or no."


ASK_TEXT = question_text(None)  # the question's words for harm to oneself, the most asked
# The question again, when what was typed after it answers neither way: the scene waits until
# it is answered (the buttons, or yes / no in words).
ASK_AGAIN = ask_again_text(None)
BACK_TO_SCENE = back_to_scene_text(None)  # after "I'm safe", in a scene


# The direct question's answers (its buttons: Yes, I'm safe, the numbers) as people type them
# instead of pressing: "yes" in words to "are you thinking about ending your life" must get help.
YES, SAFE, NUMBERS = "yes", "safe", "numbers"
# "No, it's my brother": not the writer, someone they know. The numbers, on that person's card
# (a participant trial typed five such answers, and each was asked the question again).
THEIRS = "theirs"
_ANSWER_WORDS = {
    YES: "i am|kind of|kinda|sort of|sometimes|maybe|i think so|a little",  # and _YES_FIRST
    SAFE: "n|no|nope|nah|no i'm not|no im not|i'm safe|im safe|i am safe|safe|i'm ok|im ok|"
    "i'm okay|im okay|i'm fine|im fine|back|back to the scene",  # and _SAFE_IN_WORDS
    NUMBERS: "numbers|support|support numbers|show me support numbers|help",
}
_ANSWER_OF = {w: a for a, words in _ANSWER_WORDS.items() for w in words.split("|")}


# Said first, these mean yes whatever follows ("Yes, I am", "yeah sometimes", "yes 😞").
_YES_FIRST = frozenset({"y", "yes", "yeah", "yea", "yep", "yup", "ya", "yah", "ye"})
_FILLER = frozenset({"honestly", "um", "uh", "well", "so", "ok", "okay"})
# Anywhere, these ask for help: the card, not "safe" ("no im not safe", "i need help").
_HELP = re.compile(
    r"\b(not safe|unsafe|need help|help me|please help|not ok|not okay|scared of myself)\b"
)
_UNSURE = frozenset(
    {
        "idk",
        "i dont know",
        "i don't know",
        "dont know",
        "don't know",
        "not sure",
        "im not sure",
        "i'm not sure",
        "i guess",
        "i guess so",
    }
)


# "no" in one's own words, whole: one or more no-words, then only that one is fine ("nope im
# ok", "nah i'm good thanks"). Anything more is asked again, "no just tired" and "no im ok
# though" too (tiredness can be passive ideation, "though" a hedge): only words this short and
# this plain can't hide a yes.
_THANKS = r"thanks|thank you|thank u|thx|ty"
_FINE = r"(?:ok|okay|fine|good|safe)"
_LAUGHS = r"(?:\s+(?:lol|haha|lmao))*"  # around a plain reason, never alone
_REASONS = (
    r"just venting|(?:let's|lets) keep going|(?:it's|its|it was|that was|that's|thats) (?:just )?"
    r"(?:an expression|a saying|a figure of speech|(?:for )?the (?:role play|roleplay|scene))"
)
_SAFE_IN_WORDS = re.compile(
    r"(?:(?:n|no|nope|nah|naw)\s+)+(?:"
    r"(?:(?:honestly|really|well|um|uh)\s+)?"
    r"(?:(?:i'm|im|i am)\s+)?(?:(?:really|totally|honestly|just|actually)\s+)?"
    r"(?:ok|okay|fine|good|alright|all right|safe|all good)"
    rf"(?:\s+(?:{_THANKS}|lol|haha|rn|now|right now|today|(?:let's|lets) keep going|keep going))*"
    rf"|(?:{_THANKS}))"  # "no thanks", "no thank u"
    # ... and "I'm fine, just venting", "I'm not suicidal, I'm just angry" (a participant
    # trial): a plain denial with a plain reason; "just tired" is still asked again. A laugh
    # around the reason, and the reason that it was a saying or the role-play, are plain too
    # ("no im ok, just venting lol", "nope im ok lol its an expression": a sixth trial, after a
    # false alarm; content-review.md's "No, that was the role-play")
    # A laugh alone is no answer ("im fine lol" is asked again: a laugh masks as often as not)
    rf"|(?:n|no|nope|nah|naw)\s+(?:i'm|im|i am)\s+{_FINE}{_LAUGHS}(?:\s+(?:{_REASONS}){_LAUGHS})?"
    rf"|(?:i'm|im|i am)\s+{_FINE}(?:{_LAUGHS}\s+(?:{_REASONS}){_LAUGHS})?"
    r"|(?:(?:n|no|nope|nah|naw)\s+)?(?:i'm|im|i am)\s+not suicidal(?:\s+(?:i'm|im|i am)\s+just\s+"
    r"(?:angry|mad|upset|frustrated|venting|annoyed))?"
)
# Someone else's, answered: "no it's my brother", "not me, my friend", "it's my son, not me"
_THEIRS_IN_WORDS = re.compile(
    r"(?:(?:n|no|nope|nah|i'm safe|im safe|i'm ok|im ok|i'm fine|im fine)\s+)?(?:not me\s+)?"
    r"(?:(?:it's|its|it is|it was|i was talking about|i meant|i mean|talking about|about|"
    r"i'm worried about|im worried about)\s+)?(?:my|our)\s+\w+(?:\s+\w+)?(?:\s+not me)?"
    r"|not me|it's not me|its not me|not about me"
)
# Said whole, these mean yes: "kind of, sometimes", "sometimes yeah"
_YES_WORDS = frozenset(
    [
        "kind",
        "of",
        "kinda",
        "sort",
        "sorta",
        "sometimes",
        "maybe",
        "a",
        "little",
        "bit",
        "i",
        "think",
        "so",
        "guess",
        "yeah",
        "yes",
        "honestly",
        "tbh",
    ]
)
_YES_FILLER = frozenset(["of", "a", "bit", "i", "so", "honestly", "tbh"])  # not a yes alone


def typed_answer(text: str) -> str | None:
    """YES, SAFE, NUMBERS or THEIRS for an answer to the direct question typed in words; None for
    anything else (a channel then reads it for crisis itself: more danger counts as yes).
    Unsure counts as yes, and a long answer that starts with no is not read as safe: the
    card costs a reader nothing, a missed yes can."""
    lowered = text.lower().replace("\u2019", "'")
    said = " ".join(re.sub(r"[^a-z0-9' ]+", " ", lowered).split())
    if _HELP.search(said) or said in _UNSURE:
        return YES
    if said in _ANSWER_OF:
        return _ANSWER_OF[said]
    if _SAFE_IN_WORDS.fullmatch(said):
        return SAFE
    if _THEIRS_IN_WORDS.fullmatch(said):
        return THEIRS
    words = said.split()
    if words and _YES_WORDS.issuperset(words) and not _YES_FILLER.issuperset(words):
        return YES
    while words and words[0] in _FILLER:
        words = words[1:]
    return YES if words and words[0] in _YES_FIRST else None
