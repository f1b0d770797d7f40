"""Writing habits the clinical review found across the library, as validator warnings.

Each check is small and data-driven (word lists, patterns) and returns `Problem`s with a stable
code, so `rehearse validate --strict` fails on them and a test can run them over every file.
The habits: the right answer is the longest; no near-miss; characters who don't react; UK words
in a US product; a gendered or named player; homework about the fiction; using endings without
their safety lines; no emotional intensity. See docs/writing-scenarios.md ("Habits the
validator warns about").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

from scenarios.loader import LoadedFile, line_for
from scenarios.model import NARRATOR, Choice, Node, Scenario
from scenarios.problems import Problem
from scenarios.skills import GAVE_IN

Add = Callable[[tuple, str, str], None]
HOSTILE = ("aggressive", "passive-aggressive")
DEPICTS_USE = "depicts-use"
# Every warning code these checks raise, so the bench and the tests name the same set.
CODES = (
    "longest-answer",
    "no-near-miss",
    "near-miss-style",
    "no-reaction",
    "locale",
    "player-gender",
    "homework-fiction",
    "use-safety",
    "no-intensity",
)

# ---- one locale: US English ------------------------------------------------------------------
# UK spelling or word -> the US word. Matched as whole words, case-insensitive, in every text a
# participant reads. "-ise" verbs are listed one by one: a blanket rule would catch "promise".
UK_WORDS: dict[str, str] = {
    "programme": "program",
    "programmes": "programs",
    "mum": "mom",
    "mums": "moms",
    "mummy": "mommy",
    "quid": "dollars",
    "car park": "parking lot",
    "colour": "color",
    "colours": "colors",
    "favour": "favor",
    "favourite": "favorite",
    "honour": "honor",
    "honoured": "honored",
    "behaviour": "behavior",
    "behaviours": "behaviors",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "neighbourhood": "neighborhood",
    "humour": "humor",
    "flavour": "flavor",
    "labour": "labor",
    "rumour": "rumor",
    "realise": "realize",
    "realised": "realized",
    "realising": "realizing",
    "organise": "organize",
    "organised": "organized",
    "apologise": "apologize",
    "apologised": "apologized",
    "apologising": "apologizing",
    "apologises": "apologizes",
    "grovelling": "groveling",
    "acknowledgement": "acknowledgment",
    "acknowledgements": "acknowledgments",
    "judgement": "judgment",
    "defence": "defense",
    "offence": "offense",
    "cancelled": "canceled",
    "cancelling": "canceling",
    "recognise": "recognize",
    "recognised": "recognized",
    "criticise": "criticize",
    "criticised": "criticized",
    "summarise": "summarize",
    "summarised": "summarized",
    "minimise": "minimize",
    "minimising": "minimizing",
    "emphasise": "emphasize",
    "prioritise": "prioritize",
    "practise": "practice",
    "practised": "practiced",
    "practising": "practicing",
    "counsellor": "counselor",
    "counsellors": "counselors",
    "counselling": "counseling",
    "centre": "center",
    "theatre": "theater",
    "licence": "license",
    "cheque": "check",
    "whilst": "while",
    "amongst": "among",
    "learnt": "learned",
    "labelled": "labeled",
    "labelling": "labeling",
    "bin": "trash",
    "fortnight": "two weeks",
    "mate": "friend",
    "rota": "schedule",
    "one-to-one": "one-on-one",
    "physio": "physical therapy",
    "crisps": "chips",
    "nappies": "diapers",
    "washing up": "doing the dishes",
    "in hospital": "in the hospital",
    "at the weekend": "on the weekend",
    "a&e": "the ER",
    "loo": "bathroom",
    "takeaway": "takeout",
    "petrol": "gas",
    "uni": "college",
}
_HOURS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
UK_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\bhalf ({_HOURS})\b", re.IGNORECASE), "six-thirty (not 'half six')"),
    (re.compile(r"\bring (me|you|him|her|them|us)\b", re.IGNORECASE), "call (not 'ring')"),
    (re.compile(r"\bgive (me|you|him|her|them|us) a ring\b", re.IGNORECASE), "give … a call"),
)
_UK_RE = re.compile(
    r"(?<!\w)("  # "over-apologising" counts; "-" only after, where it joins a longer word
    + "|".join(re.escape(w) for w in sorted(UK_WORDS, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)

# ---- the player is gender-neutral and unnamed --------------------------------------------------
# Words that gender the player or call them by a name, looked for in what characters say and in
# the player's own words (not in narration, which may describe other people's sons and sirs).
GENDERED_ADDRESS: tuple[str, ...] = (
    "son",
    "daughter",
    "bro",
    "bruh",
    "ma'am",
    "madam",
    "sir",
    "honey",
    "sweetie",
    "sweetheart",
    "hon",
    "dude",
    "girl",
    "lad",
    "lass",
    "fella",
    "mister",
    "young man",
    "young lady",
    "my man",
    "sis",
    "auntie",
)
_GENDER_RE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(w) for w in GENDERED_ADDRESS) + r")(?!\w)",
    re.IGNORECASE,
)
# The player describing themself as a gendered relative ("I've been a terrible son"), or a
# character speaking of them as "he" or "she" ("there he is").
_GENDERED_SELF_RE = re.compile(
    r"\b(?:the worst|a terrible|a bad|a good|a rotten|such a|some) (son|daughter|sister|brother|"
    r"aunt|uncle|mother|father|wife|husband|niece|nephew|girlfriend|boyfriend)\b",
    re.IGNORECASE,
)
_THIRD_PERSON_RE = re.compile(
    r"\bthere (he|she)(?: is|'s)\b|,\s*man(?=[.!?,])|^man,", re.IGNORECASE | re.MULTILINE
)
# "it's Alex from group", "I'm Sam": the player introducing themself by a name.
_SELF_NAME_RE = re.compile(r"\b(?:I'm|I am|it's|it is|this is|my name is|name's)\s+([A-Z][a-z]+)\b")
_NOT_NAMES = frozenset(
    {
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Just",
        "Not",
        "Okay",
        "Ok",
        "Fine",
        "Really",
        "Me",
        "True",
        "Late",
        "Too",
        "Still",
        "Only",
        "Actually",
        "Honestly",
        "Sorry",
        "Here",
        "Nothing",
        "Probably",
        "Maybe",
        "Hard",
        "Good",
        "All",
        "Over",
        "Kind",
        "Time",
        "Going",
        "Great",
    }
)

# ---- using endings carry their safety lines ----------------------------------------------------
# (what is missing, patterns of which any one must appear in the ending's text)
USE_SAFETY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the lapse-not-relapse framing", (r"\blapse\b",)),
    ("the overdose risk after a break", (r"\boverdose\b",)),
    ("lower tolerance after time away", (r"\btolerance\b",)),
    ("naloxone", (r"\bnaloxone\b", r"\bnarcan\b")),
    (
        "not using alone",
        (r"\b(not|never|don't|do not) (use|using|drink|drinking) alone\b", r"\bnot alone\b"),
    ),
    ("a pointer to /safety", (r"/safety\b",)),
)
# An ending whose own words say the player used, so it needs the depicts-use tag.
USE_DEPICTED = re.compile(
    r"\byou (drank|used)( (it|again|tonight|today|one)\b|[.,;])|\byou took (a hit|the pills?)\b|"
    r"\b(drink|glass|sip|hit|pill)s? (went|goes) down\b|\bone glass,",
    re.IGNORECASE,
)


def check(loaded: LoadedFile) -> list[Problem]:
    """Every habit warning for one parsed scenario file."""
    sc = loaded.scenario
    if sc is None:
        return []
    problems: list[Problem] = []
    path = str(loaded.path)

    def add(loc: tuple, code: str, message: str) -> None:
        problems.append(Problem(path, line_for(loaded.lines, loc), "warning", message, code))

    for habit in HABITS:
        habit(sc, add)
    return problems


# ---- the checks ----------------------------------------------------------------------------------


def decisions(sc: Scenario) -> Iterator[tuple[str, Node]]:
    """Nodes where the participant picks between choices of at least two kinds."""
    for nid, node in sc.nodes.items():
        if len({kind(c) for c in node.choices}) >= 2:
            yield nid, node


def kind(choice: Choice) -> str:
    """A near-miss is its own kind: when it is the longest, the longest is not the answer."""
    return "near-miss" if choice.near_miss else choice.style.value


def longest_kind(node: Node, length: Callable[[Choice], int]) -> str | None:
    """The kind whose choice is strictly the longest (a tie between kinds counts for none)."""
    top = max(length(c) for c in node.choices)
    kinds = {kind(c) for c in node.choices if length(c) == top}
    return kinds.pop() if len(kinds) == 1 else None


def longest_counts(sc: Scenario) -> tuple[int, Counter[str], Counter[str]]:
    """(decisions, kind -> times its button is longest, kind -> times its spoken line is)."""
    found = list(decisions(sc))
    buttons: Counter[str] = Counter()
    spoken: Counter[str] = Counter()
    for _, node in found:
        if k := longest_kind(node, lambda c: len(c.text)):
            buttons[k] += 1
        if k := longest_kind(node, lambda c: len(c.spoken)):
            spoken[k] += 1
    return len(found), buttons, spoken


def check_longest(sc: Scenario, add: Add) -> None:
    total, buttons, spoken = longest_counts(sc)
    for what, counts, length in (
        ("button", buttons, lambda c: len(c.text)),
        ("spoken line", spoken, lambda c: len(c.spoken)),
    ):
        for k, n in counts.items():
            if k == "near-miss" or n * 2 <= total:
                continue
            nodes = [nid for nid, node in decisions(sc) if longest_kind(node, length) == k]
            add(
                ("nodes",),
                "longest-answer",
                f"the {k} {what} is the longest in {n} of {total} decisions ({', '.join(nodes)}); "
                "a participant can learn to pick the longest one. Let another style run long "
                "or tighten these, so none is longest in more than half.",
            )


def check_near_miss(sc: Scenario, add: Add) -> None:
    for nid, node in sc.nodes.items():
        for i, c in enumerate(node.choices):
            if c.near_miss and c.style != "assertive":
                add(
                    ("nodes", nid, "choices", i, "near_miss"),
                    "near-miss-style",
                    f"choice {c.id!r} in {nid!r} is a near-miss but {c.style.value}: a near-miss "
                    "is an assertive line at the wrong moment, too big, or caring advice.",
                )
    if not any(
        c.near_miss and c.style == "assertive" for n in sc.nodes.values() for c in n.choices
    ):
        add(
            (),
            "no-near-miss",
            "no assertive choice is a near-miss: add one (the right skill at the wrong moment, "
            "too big an ask, or advice that sounds caring) so the participant has to tell "
            "the good answer from the almost-good one.",
        )


def check_yes_to_use(sc: Scenario, add: Add) -> None:
    """A typed yes to using plays as a `yes_to_use` line, so that line must be the meant give-in:
    a sarcastic yes or a line that gives in to something else would tell the story wrong."""
    for nid, node in sc.nodes.items():
        for i, c in enumerate(node.choices):
            if c.yes_to_use and (GAVE_IN not in c.skills or "sarcasm" in c.skills):
                add(
                    ("nodes", nid, "choices", i, "yes_to_use"),
                    "yes-to-use-skill",
                    f"choice {c.id!r} in {nid!r} is marked `yes_to_use` but isn't a plain "
                    "give-in: a typed yes to using plays as this line, so give it the `give-in` "
                    "skill and no `sarcasm`, or drop the mark.",
                )


def _sets_reacted(choice: Choice, target: Node) -> bool:
    """The target acknowledges this choice: a conditional line reads a variable it sets."""
    conditions = " ".join(line.when or "" for line in target.lines)
    return any(re.search(rf"\b{re.escape(var)}\b", conditions) for var in choice.set)


def check_reaction(sc: Scenario, add: Add) -> None:
    hostile_any = False
    for nid, node in sc.nodes.items():
        warm = {c.target for c in node.choices if c.style == "assertive" and not c.near_miss}
        for i, c in enumerate(node.choices):
            if c.style not in HOSTILE:
                continue
            hostile_any = True
            target = sc.nodes.get(c.target)
            if c.target in warm and target is not None and not _sets_reacted(c, target):
                add(
                    ("nodes", nid, "choices", i, "target"),
                    "no-reaction",
                    f"choice {c.id!r} in {nid!r} ({c.style.value}) leads to {c.target!r} like the "
                    "assertive reply, so the character answers a jab with the same warm line. "
                    "Send it elsewhere, or set a variable and add a line with `if:` that reacts.",
                )
    if not hostile_any:
        return
    incoming: dict[str, list[Choice]] = {n: [] for n in sc.nodes}
    for node in sc.nodes.values():
        for c in node.choices:
            if c.target in incoming:
                incoming[c.target].append(c)
    if not any(cs and all(c.style in HOSTILE for c in cs) for cs in incoming.values()):
        add(
            ("nodes",),
            "no-reaction",
            "the scenario has hostile choices but no node that only a hostile choice leads to: "
            "give the other person at least one line that reacts to being snapped at.",
        )


def texts(sc: Scenario) -> Iterator[tuple[tuple, str, str]]:
    """(location, where in words, text) for everything a participant reads."""
    yield ("title",), "the title", sc.title
    yield ("summary",), "the summary", sc.summary
    yield ("intro",), "the intro", sc.intro
    for i, w in enumerate(sc.content_warnings):
        yield ("content_warnings", i), "a content warning", w
    for key, ch in sc.characters.items():
        yield ("characters", key), f"character {key!r}", f"{ch.name} {ch.role}"
    if sc.thought_check:
        tc = sc.thought_check
        yield ("thought_check",), "the thought check", f"{tc.thought} {tc.balanced}"
    if sc.worked_example:
        we = sc.worked_example
        words = [we.intro, we.takeaway] + [t for ln in we.lines for t in ln.texts]
        yield ("worked_example",), "the worked example", " ".join(words)
    for nid, node in sc.nodes.items():
        base = ("nodes", nid)
        for i, line in enumerate(node.lines):
            for t in line.texts:
                yield base + ("lines", i), f"node {nid!r}", t
        for i, c in enumerate(node.choices):
            where = f"node {nid!r}, choice {c.id!r}"
            for field in (c.text, c.says or "", c.feedback):
                yield base + ("choices", i), where, field
        if node.prompt:
            yield base + ("prompt",), f"node {nid!r}, the prompt", node.prompt.ask
            yield base + ("prompt",), f"node {nid!r}, the prompt", node.prompt.example or ""
        if node.ending:
            e = node.ending
            yield base + ("ending",), f"ending {nid!r}", f"{e.title} {e.debrief} {e.try_this_week}"


def check_locale(sc: Scenario, add: Add) -> None:
    for loc, where, text in texts(sc):
        found = [(m.group(0), UK_WORDS[m.group(0).lower()]) for m in _UK_RE.finditer(text)]
        found += [(m.group(0), us) for pattern, us in UK_PATTERNS for m in pattern.finditer(text)]
        for uk, us in found:
            add(
                loc,
                "locale",
                f"{where} says {uk!r}, which is UK English; the library is US English: say {us!r}.",
            )


def spoken_by_or_to_player(sc: Scenario) -> Iterator[tuple[tuple, str, str, bool]]:
    """(location, where, text, is the player's own words) for characters' lines and choices."""
    for nid, node in sc.nodes.items():
        for i, line in enumerate(node.lines):
            if line.speaker != NARRATOR:
                for t in line.texts:
                    yield ("nodes", nid, "lines", i), f"node {nid!r} ({line.speaker})", t, False
        for i, c in enumerate(node.choices):
            for t in (c.text, c.says or ""):
                yield ("nodes", nid, "choices", i), f"node {nid!r}, choice {c.id!r}", t, True


# Names the library has given the player before; with any name the player introduces themself
# by, flagged in characters' lines too ("See you Tuesday, Alex").
PLAYER_NAMES = frozenset({"Alex"})


def check_player(sc: Scenario, add: Add) -> None:
    names = {ch.name for ch in sc.characters.values()}
    spoken = list(spoken_by_or_to_player(sc))
    given = set(PLAYER_NAMES) - names
    for _, _, text, own in spoken:
        if own:
            given |= {m.group(1) for m in _SELF_NAME_RE.finditer(text)} - _NOT_NAMES - names
    called = re.compile(r"\b(" + "|".join(sorted(given)) + r")\b") if given else None
    seen: set[tuple[tuple, str]] = set()
    for loc, where, text, own in spoken:
        matches = [m.group(0) for m in _GENDER_RE.finditer(text)]
        matches += [
            m.group(0) for m in (_GENDERED_SELF_RE if own else _THIRD_PERSON_RE).finditer(text)
        ]
        for word in matches:
            if (loc, word.lower()) in seen:
                continue
            seen.add((loc, word.lower()))
            add(
                loc,
                "player-gender",
                f"{where} says {word!r}, which genders the player; the player is "
                "gender-neutral and unnamed, so use their role or no word at all.",
            )
        for m in called.finditer(text) if called else ():
            name = m.group(1)
            if (loc, name) not in seen:
                seen.add((loc, name))
                add(
                    loc,
                    "player-gender",
                    f"{where} gives the player the name {name!r}; the player is unnamed "
                    '("it\'s me from group").',
                )


def check_homework(sc: Scenario, add: Add) -> None:
    names = {
        word
        for ch in sc.characters.values()
        for word in re.findall(r"[A-Z][\w'-]+", ch.name)
        if word.lower() not in ROLE_NAMES
    }
    for nid, node in sc.nodes.items():
        if node.ending is None:
            continue
        for name in sorted(names):
            if re.search(rf"\b{re.escape(name)}\b", node.ending.try_this_week):
                add(
                    ("nodes", nid, "ending", "try_this_week"),
                    "homework-fiction",
                    f"ending {nid!r}: this week's practice names {name}, who is fiction. Point it "
                    "at the participant's own life (\"a friend like "
                    f'{name}", "if something like this happened to you recently…").',
                )
        pronoun = _STORY_PRONOUN.search(node.ending.try_this_week)
        if pronoun:  # "listen to his side", "before you next see her": someone in the story
            add(
                ("nodes", nid, "ending", "try_this_week"),
                "homework-fiction",
                f"ending {nid!r}: this week's practice says {pronoun.group(0)!r}, someone in the "
                'story. Point it at the participant\'s own life ("someone close", "them", '
                '"if something like this happened to you recently…").',
            )


# A he or she in homework has no one in the participant's life to stand for: it is a character.
_STORY_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|himself|herself)\b", re.IGNORECASE)


# Character names that are also what anyone calls their own relative: not fiction in homework.
ROLE_NAMES = frozenset(
    {"mom", "dad", "grandma", "grandpa", "mother", "father", "uncle", "aunt", "auntie"}
    | {"mr", "mrs", "ms", "dr", "coach"}
)


def ending_text(node: Node) -> str:
    e = node.ending
    words = [t for line in node.lines for t in line.texts]
    if e:
        words += [e.title, e.debrief, e.try_this_week]
    return " ".join(words)


def check_use_safety(sc: Scenario, add: Add) -> None:
    for nid, node in sc.nodes.items():
        if node.ending is None:
            if DEPICTS_USE in node.tags:
                add(
                    ("nodes", nid, "tags"),
                    "use-safety",
                    f"node {nid!r} is tagged {DEPICTS_USE} but is not an ending; tag the ending.",
                )
            continue
        text = ending_text(node)
        if DEPICTS_USE in node.tags:
            missing = [
                what
                for what, patterns in USE_SAFETY
                if not any(re.search(p, text, re.IGNORECASE) for p in patterns)
            ]
            if missing:
                add(
                    ("nodes", nid, "ending"),
                    "use-safety",
                    f"ending {nid!r} depicts using but does not carry {', '.join(missing)}. "
                    "Every using ending names these, kindly, in its debrief.",
                )
        elif USE_DEPICTED.search(text):
            add(
                ("nodes", nid),
                "use-safety",
                f"ending {nid!r} reads as if the player used; tag it `{DEPICTS_USE}` so it "
                "carries the lapse and overdose safety lines.",
            )


def check_intensity(sc: Scenario, add: Add) -> None:
    if sc.intensity is None:
        add(
            ("title",),
            "no-intensity",
            "no `intensity:` (1 light, 2 moderate, 3 heavy): a group leader needs it to "
            "sequence heavy topics.",
        )


HABITS: tuple[Callable[[Scenario, Add], None], ...] = (
    check_intensity,
    check_longest,
    check_near_miss,
    check_yes_to_use,
    check_reaction,
    check_locale,
    check_player,
    check_homework,
    check_use_safety,
)
