"""The skill vocabulary that scenarios tag choices with and the debrief names.

Frameworks (what a scenario trains) and components (what one choice shows) are closed sets, so a
typo in a scenario file is a validation error rather than a silently uncounted skill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Style(StrEnum):
    ASSERTIVE = "assertive"
    PASSIVE = "passive"
    AGGRESSIVE = "aggressive"
    PASSIVE_AGGRESSIVE = "passive-aggressive"


class Context(StrEnum):
    FAMILY = "family"
    FRIENDSHIP = "friendship"
    WORKPLACE = "workplace"
    RECOVERY = "recovery"
    SOCIAL_ANXIETY = "social-anxiety"


CONTEXT_LABELS: dict[str, str] = {
    "family": "Family",
    "friendship": "Friendship",
    "workplace": "Workplace",
    "recovery": "Recovery",
    "social-anxiety": "Social anxiety",
}

FRAMEWORKS: dict[str, str] = {
    "dear-man": "DEAR MAN",
    "give": "GIVE",
    "fast": "FAST",
    "i-statements": "Assertive I-statements",
    "oars": "OARS active listening",
    "refusal": "Refusal steps",
    "asking-for-help": "Asking for help",
    "boundaries": "Setting and holding boundaries",
    "taking-criticism": "Taking criticism",
    "repair": "Repairing after a conflict",
    "coping": "Coping in the moment",
}


@dataclass(frozen=True, slots=True)
class Component:
    framework: str
    label: str
    missing: str | None = None  # what the debrief says when a trained component never showed
    negative: bool = False  # an anti-pattern the feedback warns about


COMPONENTS: dict[str, Component] = {
    "dear-man.describe": Component(
        "dear-man",
        "DEAR MAN: Describe",
        "You never laid out the plain facts first: DEAR MAN's Describe.",
    ),
    "dear-man.express": Component(
        "dear-man",
        "DEAR MAN: Express",
        "You never said how this feels for you: DEAR MAN's Express.",
    ),
    "dear-man.assert": Component(
        "dear-man",
        "DEAR MAN: Assert",
        "You never asked clearly for what you want: DEAR MAN's Assert.",
    ),
    "dear-man.reinforce": Component(
        "dear-man",
        "DEAR MAN: Reinforce",
        "You never said what's in it for them: DEAR MAN's Reinforce.",
    ),
    "dear-man.mindful": Component(
        "dear-man",
        "DEAR MAN: stay Mindful (broken record)",
        "You never came back to your point when pulled away: DEAR MAN's Mindful (broken record).",
    ),
    "dear-man.confident": Component(
        "dear-man",
        "DEAR MAN: Appear confident",
        "You never said it in plain, unhedged words: DEAR MAN's Appear confident.",
    ),
    "dear-man.negotiate": Component(
        "dear-man",
        "DEAR MAN: Negotiate",
        "You never offered anything in return: DEAR MAN's Negotiate.",
    ),
    "give.gentle": Component("give", "GIVE: Gentle", "You never softened the edge: GIVE's Gentle."),
    "give.interested": Component(
        "give", "GIVE: Interested", "You never showed interest in their side: GIVE's Interested."
    ),
    "give.validate": Component(
        "give", "GIVE: Validate", "You never acknowledged how they feel: GIVE's Validate."
    ),
    "give.easy": Component(
        "give",
        "GIVE: Easy manner",
        "You never eased the tension with a lighter touch: GIVE's Easy manner.",
    ),
    "fast.fair": Component(
        "fast", "FAST: Fair", "You never stood up for your side as well as theirs: FAST's Fair."
    ),
    "fast.no-apologies": Component(
        "fast",
        "FAST: no Apologies",
        "You never stated your need without apologizing for it: FAST's no Apologies.",
    ),
    "fast.values": Component(
        "fast",
        "FAST: Stick to values",
        "You never named what matters to you: FAST's Stick to values.",
    ),
    "fast.truthful": Component(
        "fast", "FAST: Truthful", "You never said the plain truth: FAST's Truthful."
    ),
    "i-statement": Component(
        "i-statements", "I-statement", 'You never used an I-statement ("I feel… I need…").'
    ),
    "oars.open-question": Component(
        "oars", "OARS: Open question", 'You never asked an open question ("What…?", "How…?"): OARS.'
    ),
    "oars.affirm": Component(
        "oars", "OARS: Affirmation", "You never affirmed something specific they did: OARS."
    ),
    "oars.reflect": Component(
        "oars",
        "OARS: Reflection",
        'You never reflected back what you heard ("Sounds like…"): OARS.',
    ),
    "oars.summarise": Component(
        "oars", "OARS: Summary", "You never summed up what you heard before moving on: OARS."
    ),
    "refusal.no-first": Component(
        "refusal", "Refusal: No first", '"No" never came first: lead with it, then keep it short.'
    ),
    "refusal.alternative": Component(
        "refusal",
        "Refusal: Suggest an alternative",
        "You never suggested something else to do or drink.",
    ),
    "refusal.ask-to-stop": Component(
        "refusal", "Refusal: Ask them to stop", "You never asked them to stop offering."
    ),
    "refusal.change-subject": Component(
        "refusal", "Refusal: Change the subject", "You never moved the conversation on."
    ),
    "help.ask": Component(
        "asking-for-help",
        "Asking for help: a specific ask",
        "You never made a specific ask for help.",
    ),
    "help.reach-out": Component(
        "asking-for-help", "Asking for help: reaching out", "You never reached out to your support."
    ),
    "boundary.set": Component(
        "boundaries", "Setting a boundary", "You never named the limit out loud."
    ),
    "boundary.hold": Component(
        "boundaries",
        "Holding a boundary",
        "You never held the boundary when they pushed: hold it (broken record).",
    ),
    "criticism.clarify": Component(
        "taking-criticism",
        "Taking criticism: ask what they mean",
        "You never asked what exactly they want changed.",
    ),
    "criticism.acknowledge": Component(
        "taking-criticism",
        "Taking criticism: acknowledge what's fair",
        "You never acknowledged the part of the criticism that was fair.",
    ),
    "repair.own-part": Component(
        "repair", "Repair: own your part", "You never owned your part of what happened."
    ),
    "repair.reconnect": Component(
        "repair", "Repair: reconnect", "You never invited the relationship back in."
    ),
    "coping.name-feeling": Component(
        "coping",
        "Coping: name the feeling, slow breath",
        "You never paused to name what you were feeling before answering.",
    ),
    "coping.halt": Component(
        "coping",
        "Coping: HALT check",
        "You never checked in with HALT (hungry, angry, lonely, tired).",
    ),
    "coping.urge-surfing": Component(
        "coping",
        "Coping: urge surfing",
        "You never let the urge rise and fall without acting on it: urge surfing.",
    ),
    "coping.tipp": Component(
        "coping",
        "Coping: TIPP",
        "You never brought your body down first (cold water, paced breathing): TIPP.",
    ),
    "coping.grounding": Component(
        "coping",
        "Coping: grounding",
        "You never came back to the room through your senses first: grounding.",
    ),
    "coping.opposite-action": Component(
        "coping",
        "Coping: opposite action",
        "You never acted opposite to what the feeling urged: opposite action.",
    ),
    # Anti-patterns: named in feedback, never counted as practice.
    "self-put-down": Component("fast", "A self-put-down", negative=True),
    "over-explain": Component("fast", "Over-explaining", negative=True),
    "people-please": Component("boundaries", "People-pleasing", negative=True),
    "rumination": Component("coping", "Going over it again and again", negative=True),
    "safety-behavior": Component("coping", "A safety behavior", negative=True),
    "minimize": Component("fast", "Minimizing your own need", negative=True),
    "excuse": Component("refusal", "A vague excuse", negative=True),
    "over-apology": Component("fast", "Over-apologizing", negative=True),
    "hedge": Component("dear-man", "Hedging", negative=True),
    "blame": Component("i-statements", "Blame or absolutes", negative=True),
    "insult": Component("give", "Insult or sneer", negative=True),
    "sarcasm": Component("give", "Sarcasm", negative=True),
    "give-in": Component("boundaries", "Giving in", negative=True),
    "avoid": Component("dear-man", "Avoiding the issue", negative=True),
    "advice": Component("oars", "Unasked-for advice or minimizing", negative=True),
}


# A skill shown that can't be shown without another: a limit held when pushed was named (a
# participant trial's debrief said "You never named the limit out loud" after "I'm not lending
# money, any amount", coached as holding it)
IMPLIES: dict[str, frozenset[str]] = {"boundary.hold": frozenset({"boundary.set"})}


# Said again when pushed, a no is the broken record: a trial's four typed noes were told "You
# never came back to your point". Counted by steps, pressed or typed (`RunState.skills`), and
# only in a run that never gave in: a no, a yes, then a no again is not holding a point.
BROKEN_RECORD = frozenset({"dear-man.mindful", "boundary.hold"})
REPEATED: dict[str, frozenset[str]] = {"refusal.no-first": BROKEN_RECORD}
GAVE_IN = "give-in"  # the caution a line that gives in carries


def shown_with_implied(
    used: set[str], counts: dict[str, int] | None = None, cautions: dict[str, int] | None = None
) -> set[str]:
    """The skills a run showed, with those a repeat implies (`REPEATED`, given how many steps
    showed each, `counts`, unless `cautions` holds giving in) and those they all imply
    (`IMPLIES`)."""
    out = set(used)
    if counts and not (cautions or {}).get(GAVE_IN):
        out |= {c for k, n in counts.items() if n >= 2 for c in REPEATED.get(k, frozenset())}
    return out.union(*(IMPLIES.get(c, frozenset()) for c in out))


def component_label(key: str) -> str:
    comp = COMPONENTS.get(key)
    return comp.label if comp else key


# ---- the skill cards ------------------------------------------------------------------------
# The short cards /skills shows, in plain text: (name, what it is for, its parts). A question
# typed in a scene about what one stands for is answered from them too (`card_asked_about`).
SKILL_CARDS: tuple[tuple[str, str, str], ...] = (
    (
        "DEAR MAN",
        "getting what you want, or saying no",
        "Describe the facts · Express how you feel (“I feel…”) · Assert: ask or say no clearly · "
        "Reinforce: what's in it for them · stay Mindful (broken record, ignore attacks) · "
        "Appear confident · Negotiate: give to get.",
    ),
    (
        "GIVE",
        "keeping the relationship",
        "Gentle (no attacks or sneers) · Interested (listen) · Validate (“that makes sense”) · "
        "Easy manner.",
    ),
    (
        "FAST",
        "keeping your self-respect",
        "Fair · no needless Apologies · Stick to your values · Truthful.",
    ),
    (
        "I-statements",
        "",
        "“I notice… I feel… I need… Would you…?” instead of “You always…”. Assertive: both "
        "people matter. Passive: only they do. Aggressive: only you do. Passive-aggressive: "
        "anger said sideways.",
    ),
    (
        "OARS",
        "listening",
        "Open questions (“What…?”, “How…?”) · Affirmations that are specific · Reflections "
        "(“Sounds like…”) · Summaries.",
    ),
    (
        "Refusal steps",
        "",
        "Say no first · clear, firm voice · suggest an alternative · ask them to stop offering · "
        "change the subject · skip vague excuses (“not tonight” invites a later yes) · "
        "no guilt for saying no.",
    ),
)
# "what does DEAR MAN stand for again?", typed mid-scene in a participant trial, was coached as
# an assertive open question and played as a line
_ASKED_ABOUT = re.compile(
    r"\bwhat(?:'s| does| do| is| are|s)? (?:the )?(dear ?man|give|fast|oars|i-?statements?)"
    r"(?: skill| thing| one)?(?: stand for| mean| again| means)\b",
    re.IGNORECASE,
)


def card_title(card: tuple[str, str, str]) -> str:
    """A card's name with what it is for: "DEAR MAN (getting what you want, or saying no)"."""
    name, use, _ = card
    return f"{name} ({use})" if use else name


def _card_key(name: str) -> str:
    return name.lower().replace(" ", "").replace("-", "").rstrip("s")


def card_asked_about(text: str) -> tuple[str, str, str] | None:
    """The skill card a typed question asks about ("what does GIVE mean?"), if any."""
    m = _ASKED_ABOUT.search(text)
    if m is None:
        return None
    return next((c for c in SKILL_CARDS if _card_key(c[0]) == _card_key(m.group(1))), None)


# ---- the same skills in everyday words ------------------------------------------------------
# Feedback leads with what the person did, said as anyone would say it ("You stuck to the
# facts"); the framework's name follows as a short tag a group leader recognises. Each phrase
# completes "You …"; a component without one falls back to its label.

TAGS: dict[str, str] = {
    "dear-man": "DEAR MAN",
    "give": "GIVE",
    "fast": "FAST",
    "i-statements": "I-statements",
    "oars": "OARS",
    "refusal": "Refusal steps",
    "asking-for-help": "Asking for help",
    "boundaries": "Boundaries",
    "taking-criticism": "Taking criticism",
    "repair": "Repair",
    "coping": "Coping skills",
}

PLAIN: dict[str, str] = {
    "dear-man.describe": "stuck to the facts",
    "dear-man.express": "said how you feel",
    "dear-man.assert": "said clearly what you want",
    "dear-man.reinforce": "said what's in it for them",
    "dear-man.mindful": "stayed on your point",
    "dear-man.confident": "sounded sure of yourself",
    "dear-man.negotiate": "offered something in return",
    "give.gentle": "kept it gentle",
    "give.interested": "showed interest in their side",
    "give.validate": "showed you understand how they feel",
    "give.easy": "kept a light, easy tone",
    "fast.fair": "were fair to them and to yourself",
    "fast.no-apologies": "didn't apologize for having a need",
    "fast.values": "stood by what matters to you",
    "fast.truthful": "told the plain truth",
    "i-statement": "spoke from “I” instead of “you always”",
    "oars.open-question": "asked an open question",
    "oars.affirm": "named something they did well",
    "oars.reflect": "said back what you heard",
    "oars.summarise": "summed up what you heard",
    "refusal.no-first": "said no first",
    "refusal.alternative": "suggested something else",
    "refusal.ask-to-stop": "asked them to stop pushing",
    "refusal.change-subject": "moved the conversation on",
    "help.ask": "asked for one specific thing",
    "help.reach-out": "reached out to someone who supports you",
    "boundary.set": "named your limit out loud",
    "boundary.hold": "held your limit when pushed",
    "criticism.clarify": "asked what exactly they mean",
    "criticism.acknowledge": "agreed with the part that's fair",
    "repair.own-part": "owned your part",
    "repair.reconnect": "invited the relationship back in",
    "coping.name-feeling": "named the feeling and took a slow breath",
    "coping.halt": "checked in with yourself (hungry, angry, lonely, tired)",
    "coping.urge-surfing": "let the urge rise and fall without acting on it",
    "coping.tipp": "brought your body down first",
    "coping.grounding": "came back to the room through your senses",
    "coping.opposite-action": "did the opposite of what the feeling urged",
}


def plain_words(key: str) -> str:
    """What a component looks like in everyday words, completing "You …"."""
    return PLAIN.get(key) or component_label(key)


def tag(framework: str) -> str:
    """A framework's short name, for the tag under the plain words."""
    return TAGS.get(framework) or FRAMEWORKS.get(framework, framework)


def what_you_did(keys: list[str] | tuple[str, ...], note: str = "") -> tuple[str, str] | None:
    """("You stuck to the facts and said how you feel.", "DEAR MAN") for the positive
    components among `keys`, in order, each once; None when none is positive. A phrase the
    `note` already says word for word (the coach's notes do) is not said twice: then the
    sentence may be empty and only the tag is left."""
    shown = [k for k in dict.fromkeys(keys) if k in COMPONENTS and not COMPONENTS[k].negative]
    if not shown:
        return None
    tags = " · ".join(dict.fromkeys(tag(COMPONENTS[k].framework) for k in shown))
    phrases = [p for p in map(plain_words, shown) if p.lower() not in note.lower()]
    if not phrases:
        return "", tags
    said = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"You {said}.", tags


# ---- what a debrief's sentence claims the participant did ----------------------------------------
# An ending is reached by many paths, and its text is written once. A sentence that claims a move
# ("you used a broken record") is kept only when this run showed one of the components that make
# the claim true, so the debrief never says a skill was used and, in the same breath, that it was
# missing. A style claim ("without a fight") is kept only when no choice of the run had those
# styles.


@dataclass(frozen=True, slots=True)
class Claim:
    pattern: re.Pattern[str]
    any_of: frozenset[str] = frozenset()  # components: one of them must have shown
    not_styles: frozenset[str] = frozenset()  # styles no choice of the run may have had


def _claim(pattern: str, any_of: str = "", not_styles: str = "") -> Claim:
    return Claim(
        re.compile(pattern, re.IGNORECASE),
        frozenset(any_of.split()),
        frozenset(not_styles.split()),
    )


_HOSTILE = "aggressive passive-aggressive"
CLAIMS: tuple[Claim, ...] = (
    _claim(r"\bbroken record\b", "dear-man.mindful boundary.hold"),
    _claim(
        r"\b(said|led with|opened with) (a |your )?no (first|early)\b|\bno came first\b",
        "refusal.no-first",
    ),
    _claim(r"\b(suggested|offered) an? (alternative|other)\b", "refusal.alternative"),
    _claim(r"\basked \w+ (not to|to stop) (offer|ask|push)", "refusal.ask-to-stop"),
    _claim(r"\bchanged the subject\b", "refusal.change-subject"),
    _claim(r"\basked (an |some |real |two |a couple of )?open questions?\b", "oars.open-question"),
    _claim(r"\breflected\b", "oars.reflect"),
    _claim(r"\bsummed up\b|\bsummari[sz]ed\b", "oars.summarise"),
    _claim(r"\bvalidated\b", "give.validate"),
    _claim(r"\bused an I-statement\b|\ban I-statement with\b", "i-statement"),
    _claim(r"\b(described|stuck to|laid out) the (plain )?facts\b", "dear-man.describe"),
    _claim(r"\bmade a specific ask\b", "help.ask dear-man.assert"),
    _claim(r"\breached out to\b", "help.reach-out"),
    _claim(r"\bowned (your part|what you did)\b", "repair.own-part"),
    # taking criticism (a participant trial's debrief said both, and "you never" both)
    _claim(
        r"\basked what (exactly )?(was wrong|they meant|(he|she|they) meant)\b", "criticism.clarify"
    ),
    _claim(r"\backnowledged the fair part\b", "criticism.acknowledge"),
    _claim(
        r"\bwithout (a fight|turning [^.]{0,40} into a fight)\b|\binstead of a fight\b|"
        r"\bstayed (calm|kind)\b|\bkept (the evening|it|things) calm\b",
        "",
        _HOSTILE,
    ),
)


def unsupported(sentence: str, shown: set[str], styles: set[str]) -> bool:
    """True when `sentence` claims a move the run never made (or a calm it didn't keep)."""
    for claim in CLAIMS:
        if not claim.pattern.search(sentence):
            continue
        if claim.any_of and not claim.any_of & shown:
            return True
        if claim.not_styles & styles:
            return True
    return False


def claimed(text: str) -> set[str]:
    """Every component some claim in `text` names: a debrief never lists these as missing."""
    return {c for claim in CLAIMS if claim.pattern.search(text) for c in claim.any_of}
