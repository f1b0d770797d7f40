"""Coaching on what participants type: read a typed reply for its style and skills.

`analyse` reads one message for its communication style (assertive, passive, aggressive,
passive-aggressive; clinical reference 3.4) and for markers of the skills the scenarios train
(DEAR MAN, GIVE, FAST, OARS, refusal steps) and their anti-patterns. The markers are lexical rules
(they quote what showed them, for feedback); the style is a trained linear model
(`state.language`) whose features are the reply's n-grams and those markers, with one rule that
is certain on top: offering to give up treatment or a boundary is never assertive.

`match_reply` has the engine's `Matcher` signature: it maps a typed reply to the nearest offered
choice and writes feedback on the participant's own words, or says honestly that it isn't sure.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scenarios.model import OFFERS_USE, Choice, Scenario
from scenarios.skills import COMPONENTS, GAVE_IN, Style, card_asked_about, card_title
from state.engine import Feedback, Notice, Output
from state.language import features
from state.language.model import shipped
from state.language.screen import adjacent
from state.safety import screen_text

MAX_CHARS = 4096  # Telegram's message limit; `said` in feedback is cut here
# The rules read a reply's first 300 characters: a role-play reply's stance is in its opening, and
# reading all 4,096 would cost ~8 ms (pure-Python regexes); 300 keeps every message near 2 ms.
MAX_READ = 300

# ---- vocabulary --------------------------------------------------------------------------------

MARKERS: dict[str, str] = {
    "i-statement": "I-statement",
    "facts": "describes facts",
    "feeling": "expresses a feeling",
    "clear-request": "clear request",
    "clear-no": "clear no",
    "reinforce": "says what's in it for them",
    "offer": "offer, alternative or negotiation",
    "validation": "validates their feelings",
    "open-question": "open question",
    "reflection": "reflection",
    "over-apology": "over-apologizing",
    "hedge": "hedging",
    "blame": 'blame and absolutes ("you always", "you never")',
    "insult": "insult or name-calling",
    "sarcasm": "sarcasm",
    "refusal-no-first": '"no" as the first word',
    "refusal-alternative": "suggests an alternative",
    "refusal-ask-stop": "asks them to stop offering or asking",
    "excuse": "a vague excuse that invites a later yes",
}

MARKER_TO_COMPONENT: dict[str, str] = {
    "i-statement": "i-statement",
    "feeling": "dear-man.express",
    "facts": "dear-man.describe",
    "clear-request": "dear-man.assert",
    "clear-no": "dear-man.assert",
    "reinforce": "dear-man.reinforce",
    "offer": "dear-man.negotiate",
    "validation": "give.validate",
    "open-question": "oars.open-question",
    "reflection": "oars.reflect",
    "over-apology": "over-apology",
    "hedge": "hedge",
    "blame": "blame",
    "insult": "insult",
    "sarcasm": "sarcasm",
    "refusal-no-first": "refusal.no-first",
    "refusal-alternative": "refusal.alternative",
    "refusal-ask-stop": "refusal.ask-to-stop",
    "excuse": "excuse",
}

HOSTILE = ("sarcasm", "insult")  # markers that only a hostile reading can carry
DETECTABLE = frozenset(MARKER_TO_COMPONENT.values())  # components a marker can show
NEGATIVE = frozenset({"over-apology", "hedge", "blame", "insult", "sarcasm", "excuse"})
STYLES: tuple[str, ...] = tuple(s.value for s in Style)
A, P, G, PA = STYLES  # assertive, passive, aggressive, passive-aggressive


@dataclass(frozen=True, slots=True)
class Analysis:
    style: str
    confidence: float  # 0..1: how sure the scorer is of `style`
    markers: tuple[str, ...]
    # (marker, short fragment of the reply that showed it): for feedback, never shown whole
    evidence: tuple[tuple[str, str], ...] = ()
    words: int = 0  # how many readable words the reply had
    # Says yes to a drink or a drug, first person and plainly (`_YES_TO_USE`): no offered line
    # that doesn't give in is what it means.
    yes_to_use: bool = False
    # Says yes, naming the drink or nothing ("ok", "ill come thru"): a yes to using where the
    # moment offers it (`OFFERS_USE`)
    says_yes: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"style": self.style, "confidence": self.confidence, "markers": list(self.markers)}

    def fragment(self, marker: str) -> str | None:
        return next((f for m, f in self.evidence if m == marker), None)


# ---- normalising texting -----------------------------------------------------------------------

_APOSTROPHES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2014": ", ",
        "\u2013": ", ",
    }
)
# Contractions typed without the apostrophe, text-speak and a few common typos.
_SPELLING = {
    "im": "i'm",
    "ive": "i've",
    "id": "i'd",
    "youre": "you're",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "shouldnt": "shouldn't",
    "wouldnt": "wouldn't",
    "couldnt": "couldn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "thats": "that's",
    "whats": "what's",
    "its": "it's",
    "lets": "let's",
    "theyre": "they're",
    "ill": "i'll",
    "u": "you",
    "ur": "you're",
    "r": "are",
    "ya": "you",
    "pls": "please",
    "plz": "please",
    "plese": "please",
    "pleas": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "thanx": "thanks",
    "ty": "thanks",
    "idk": "i don't know",
    "dunno": "don't know",
    "rn": "right now",
    "tho": "though",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "sry": "sorry",
    "soz": "sorry",
    "srry": "sorry",
    "sory": "sorry",
    "realy": "really",
    "becuase": "because",
    "becasue": "because",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "alwyas": "always",
    "allways": "always",
    "nevr": "never",
    "feal": "feel",
    "maybee": "maybe",
    "mabye": "maybe",
    "maby": "maybe",
    "probly": "probably",
    "prolly": "probably",
    "gues": "guess",
    "srsly": "seriously",
    "ppl": "people",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmw": "tomorrow",
    "2moro": "tomorrow",
    "b4": "before",
    "ok": "okay",
    "k": "okay",
    "kk": "okay",
    "thankyou": "thank you",
    "nah": "no",
    "nope": "no",
    "naw": "no",
    "nop": "no",
    "yea": "yeah",
    "yep": "yes",
    "yup": "yes",
    "w/": "with",
    "abt": "about",
    "bday": "birthday",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "prob": "problem",
    "probs": "problem",
    "mum": "mom",
    "mam": "mom",
    "ma": "mom",
}
_WORD = re.compile(r"[a-z0-9/']+")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")
_EMOJI_EYEROLL = "\U0001f644\U0001f643\U0001f612"  # eye-roll, upside-down, unamused
_EMOJI_SMILE = "\U0001f642\U0001f60a\U0001f600\U0001f601\U0001f604\u263a"
_EMOJI_ANGRY = "\U0001f620\U0001f621\U0001f92c\U0001f595"
_CAPS = re.compile(r"\b[A-Z]{2,}\b")
_CAPS_OK = frozenset(
    {
        "OK",
        "OKAY",
        "AA",
        "NA",
        "TV",
        "ID",
        "GP",
        "ER",
        "AM",
        "PM",
        "UK",
        "US",
        "USA",
        "HR",
        "CEO",
        "DM",
        "LOL",
        "OMG",
        "IDK",
        "BTW",
        "FYI",
        "ASAP",
    }
)


def normalise(text: str) -> str:
    s = text[:MAX_READ].translate(_APOSTROPHES).lower().strip(' "')
    s = _REPEAT.sub(r"\1", s)  # "sooo" -> "so", "sorryyy" -> "sorry"
    s = _WORD.sub(lambda m: _SPELLING.get(m.group(0), m.group(0)), s)
    return _SPACES.sub(" ", s).strip()


def _alternatives(pattern: str) -> list[str]:
    """Split a pattern at its top-level `|`s."""
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


_SENTENCE_START = re.compile(r"^\(\?:\^\|((?:\[[^\]]*\]|\\s)[^)]*)\)")


class _Rule:
    """A regex rearranged to be fast on long input, with the same matches.

    Python's `re` can skip ahead quickly only when a pattern starts with a literal or a
    character set, and a leading `\\b` defeats that. So alternatives that start with `\\b` are
    searched without it and the word boundary is checked by hand; `(?:^|[.!?] )x` becomes
    `[.!?] x` searched in ". " + text; `^x` is only tried at the start.
    """

    __slots__ = ("bounded", "anchored", "sentence", "plain", "parts")

    def __init__(self, *parts: str) -> None:
        self.parts = parts  # as written: part of the style model's version (`markers_digest`)
        bounded, anchored, sentence, plain = [], [], [], []
        for part in parts:
            for alt in _alternatives(part):
                m = _SENTENCE_START.match(alt)
                if alt.startswith("\\b"):
                    bounded.append(alt[2:])
                elif alt.startswith("^"):
                    anchored.append(alt[1:])
                elif m:
                    sentence.append(m.group(1) + alt[m.end() :])
                else:
                    plain.append(alt)

        def join(alts: list[str]) -> re.Pattern[str] | None:
            return re.compile("|".join(f"(?:{a})" for a in alts)) if alts else None

        self.bounded, self.anchored = join(bounded), join(anchored)
        self.sentence, self.plain = join(sentence), join(plain)

    def search(self, s: str) -> tuple[int, int] | None:
        if self.anchored is not None and (m := self.anchored.match(s)):
            return m.span()
        if self.bounded is not None:
            for m in self.bounded.finditer(s):
                i = m.start()
                if (
                    i == 0
                    or not (s[i - 1].isalnum() or s[i - 1] in "'_")
                    or not (s[i].isalnum() or s[i] == "_")
                ):
                    return m.span()
        if self.sentence is not None and (m := self.sentence.search(". " + s)):
            return max(0, m.start() - 2), max(0, m.end() - 2)
        if self.plain is not None and (m := self.plain.search(s)):
            return m.span()
        return None


def _rx(*parts: str) -> _Rule:
    return _Rule(*parts)


# ---- marker rules --------------------------------------------------------------------------------

_EMO = (
    r"sad|hurt|scared|afraid|anxious|nervous|worried|frustrated|angry|upset|torn|lonely|"
    r"overwhelmed|uncomfortable|embarrassed|tempted|wound up|frightened|humiliated|"
    r"disappointed|relieved|grateful|stressed|"
    r"ashamed|guilty|left out|safer|safe|excited|exhausted|drained|tense|terrified|"
    r"jealous|hopeful|proud|confused|not comfortable|ignored|unheard|invisible|struggling"
)
_DAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mondays|tuesdays|"
    r"wednesdays|thursdays|fridays|saturdays|sundays|weekend|tonight|tomorrow|yesterday"
)
_NUMS = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|twice|once"

RULES: dict[str, _Rule] = {
    "i-statement": _rx(
        r"\bi(?<!how i) (?:really |just |still |also |honestly |do )?(?:feel|felt|need|want|"
        r"prefer|notice|noticed|disagree|value|care about|appreciate)\b",
        r"\bi(?:'d| would) (?:really |still |also |much |rather )?(?:like|love|prefer|appreciate"
        r"|rather)\b",
        r"\bi(?:'m| am) (?:still |not |really )*(?:going to|committed|comfortable|staying|"
        r"choosing|asking|sticking)\b",
        r"\bi(?: was|'m| am|'ve been) (?:so |really |a bit |feeling )?(?:" + _EMO + r")\b",
        r"\bi think (?:we|you|it|that|this)\b",
        r"\b(?:matters|is important) to me\b",
    ),
    "feeling": _rx(
        r"\bi(?<!how i) (?:really |still |do )?(?:feel|felt)\b(?! like (?:you|i should))",
        r"\bi(?: am|'m| was|'ve been| get| got) (?:so |really |very |a bit |a little |kind of |"
        r"feeling |getting )?(?:" + _EMO + r")\b(?! (?:to|with) )",
        r"\bmakes? me (?:feel )?(?:so |really )?(?:" + _EMO + r")\b",
        r"\bi(?: am|'m) (?:not )?(?:comfortable|ok with|okay with)\b",
        r"\bi love (?:you|her|him|them)\b|\bi (?:just )?find it hard\b",
    ),
    "facts": _rx(
        r"\b(?:on|every|this|next|last|by|until|from|at) (?:" + _DAYS + r")\b",
        r"\b(?:" + _DAYS + r") (?:is|are|evenings?|nights?|mornings?) (?:is |are )?(?:my|our)\b",
        r"\b(?:at|by|from|until|before|after) (?:\d{1,2}(?::\d\d)?|noon|midnight|six|seven|"
        r"eight|nine|ten)\b",
        r"\b\d{1,2} ?(?:am|pm)\b|\b\w+ to (?:six|seven|eight|nine|ten|\d{1,2})\b",
        r"\b(?:last|this|every) (?:week|night|month|year|time|day|morning|session)\b",
        r"\b(?:" + _NUMS + r") (?:times|deadlines|days|weeks|hours|clients|projects|months|"
        r"nights|shifts|sessions|meetings)\b",
        r"\byou (?:said|told me|promised|came|arrived|left|asked)\b",
        r"\bi (?:asked for|ordered|missed|was next|have (?:" + _NUMS + r")|'ve (?:worked|been "
        r"sober|taken|done))\b",
        r"\b(?:it|this|that|my \w+) (?:is|was) (?:overcooked|cold|wrong|late|broken|missing)\b",
        r"\bthere's been a mistake\b|\b(?:it|group) runs\b|\bi lent you\b|\ball (?:week|day)\b",
        r"\b(?:in|since|last) (?:january|february|march|april|may|june|july|august|september|"
        r"october|november|december)\b",
    ),
    "clear-request": _rx(
        r"\b(?:can|could|would|will) you (?:please )?(?!tell me|believe|imagine|not\b)\w+",
        r"\b(?:can|could) (?:we|i get|i have)\b",
        r"(?:^|[.!?,] )please \w+|\bplease$",
        r"\bi (?:need|want|'d like|would like|'d love) (?:you|us|it if|for you)\b",
        r"\bi'd (?:really )?(?:like|appreciate) (?:it )?if\b|\bi'd (?:really )?appreciate\b",
        r"\bnext time,? (?:please|can you|could you|text|call|tell|ask)\b",
        r"\bi'm asking (?:you|for)\b",
    ),
    "clear-no": _rx(
        r"^(?:actually,? )?no\b(?! (?:worries|problem|rush|biggie|big deal|need|way)\b)(?!,? no\b)"
        r"(?!,? (?:it's|its|no|that's) (?:fine|ok|okay|totally))",
        r"\bno(?:,)? thank(?:s| you)\b",
        r"\bi(?:'m| am) (?:still )?not (?:going to|coming|doing|drinking|using|able to|up for|"
        r"comfortable|available|skipping|missing|changing|lending)\b",
        r"\bi (?:still )?(?:can't|cannot|won't|will not) (?:come|make|take|lend|do|stay|drink|"
        r"go|join|give|help|miss|skip|be|cover|work|change|have)\b",
        r"\bi (?:don't|do not) (?:drink|use|smoke|want (?:any|one|to|it)|do that)\b",
        r"\bi'll pass\b|\bi'd (?:prefer|rather) not\b|\bnot for me\b",
        r"\bi(?:'m| am) (?:sober|clean|staying sober|staying clean)\b",
        r"\b(?:that|this) isn't changing\b|\bthe answer(?: is|'s) (?:no|the same)\b|\bi said no\b",
        r"\b(?:is|still) no\b|\bi'm (?:heading|going) home\b|\bi'm off\b|\bthe no stands\b",
        r"\bi'm good,? thanks\b|(?:^|[.,] )not drinking\b",
        # texting's no ("im not down for that.": a trial's, coached as aggressive)
        r"\bi(?:'m| am) not down(?: (?:for|with) (?:that|it|this|tonight))?[.!]*$|"
        r"^not down(?: for (?:that|it|this|tonight))?[.!]*$",
        # a no placed last, in texting shorthand ("sober coffee sometime sure. using no": a trial)
        r"(?:^|[.,;] )(?:using|drinking|drugs|pills|booze|alcohol)[,.]? (?:no|nope|never)[.!]*$",
    ),
    "reinforce": _rx(
        r"\b(?:it|that|this) (?:would|will|'d|'ll|could) (?:really )?(?:help|mean|make)\b",
        r"\bi(?:'d| would| will|'ll) (?:be|feel) (?:so |much |a lot |really )?(?:relieved|"
        r"grateful|safer|better|more (?:useful|focused|relaxed|present)|happier)\b",
        r"\bso (?:that )?(?:we|you) can\b|\bwe(?:'ll| will| can) both\b",
        r"\b(?:for|to) (?:us|both of us|the family|all of us)(?: too)?\b",
        r"\b(?:good|better) for (?:us|you|both|the family|the team|everyone)\b",
        r"\bthat way\b|\bmeans? a lot\b|\bwould make (?:it|this|things) easier\b|"
        r"\bit helps me\b|\btakes a weight off\b",
    ),
    "offer": _rx(
        r"\binstead\b|\bhow about\b|\bwhat if we\b|\bi'd rather we\b|\bcould we (?:look|do|"
        r"meet|try|move|talk|find|push)\b",
        r"\bi (?:can|could) (?:\w+ ){1,5}(?:though|instead|tomorrow|(?:on )?(?:" + _DAYS + r")|"
        r"next|if that works|after|later|early|another|in the morning)\b",
        r"\bwould that work\b|\bi can promise\b|\bis on me\b|\bit's on me\b|\bdeal[.!]",
        r"\b(?:but|though),? i(?:'ll| will| can)\b",
        r"\b(?:i'm|i am|i'd be|happy) happy to\b|\bhappy to (?:help|do|come|meet|talk)\b",
        r"\bi(?:'ll| will) (?:call|ring|take|come|drive|pick|send|bring|make|join|visit|text|"
        r"meet|get) (?:\w+ ){0,6}(?:on|tomorrow|" + _DAYS + r"|next|later|after|first thing|"
        r"myself|in the morning)\b",
        r"\bi'd love to (?:get|do|meet|grab|see|come|join)\b|\boffer (?:you )?something\b",
        r"\bwhat would (?:make|help)\b|\bif that works\b|\b(?:can|could) we meet\b",
        r"\blet's (?:go|get|grab|do|hang|have|meet|find|try|talk|make|agree)\b",
    ),
    "validation": _rx(
        r"\bi (?:can )?(?:hear|understand|get|see) (?:that|why|how|where|you)\b",
        r"\bi know (?:you|this|it|that)(?:'re| are)? (?:want|matter|mean|care|love|miss|worry|"
        r"worried|upset|trying|proud|scared|hurt|angry)",
        r"\bno wonder\b|\bi believe you\b|(?:^|[.!?] )fair[.,!]",
        r"\b(?:that|it) makes (?:total |complete )?sense\b|\bof course you(?:'re| are| feel)\b",
        r"\byou(?:'re| are) right(?:[,.!]| that| about)|\bthat's fair\b|\bfair enough\b",
        r"\b(?:it's|that's) (?:understandable|completely understandable)\b",
    ),
    "open-question": _rx(
        r"(?:^|[.!?,:] )(?:so |and |but )?(?:what|how)(?:'s| is| are| was| were| would| could|"
        r" do| did| can| might| should| does)? (?!(?:is |'s )?wrong with|are you looking|"
        r"many times|dare|the hell)\w+[^.!]*(?:\?|$)",
        r"\btell me (?:more|about|what|how)\b|\bdescribe\b|\b(?:can|could) you tell me\b",
    ),
    "reflection": _rx(
        r"\b(?:it )?sounds like\b|\b(?:that|it) sounds (?:really |so |very )?(?:hard|"
        r"stressful|rough|awful|tough|difficult|scary|painful|exhausting|frustrating|"
        r"frightening|complicated|lonely)\b",
        r"(?:^|[.!?] )so (?:you|you're|you've|it sounds)\b",
        r"\byou (?:feel|felt|seem|sound|'re feeling|'re worried|'re scared|'re afraid|"
        r"'ve had|'re carrying)\b",
        r"\bit seems like you\b|\bwhat i'm hearing\b|\bif i've got this right\b",
    ),
    "over-apology": _rx(
        r"\bsorry\b.*\bsorry\b|\b(?:so|really|very|terribly|truly) sorry\b",
        r"\bsorry (?:to|for|if) (?:bother|bug|be a|asking|texting|being|making|the trouble|"
        r"this|i)\w*",
        r"\bi apologi[sz]e\b.*\bapologi|\bmy fault\b",
    ),
    "hedge": _rx(
        r"\b(?:maybe|um+|uh+|umm|hmm|perhaps|possibly|probably|kinda|sorta|somehow|sometime)\b",
        r"\bi (?:guess|suppose|dunno|don't know|'m not sure|'m not really sure)\b",
        r"\b(?:sort|kind) of\b|\bmight be wrong\b|\bcould be wrong\b|\bnot sure\b|"
        r"\bjust (?:wondering|wondered|checking)\b|\bif (?:it's|that's) (?:ok|okay|alright)\b",
        r"\b(?:only|totally fine|no worries) if not\b|\bno rush\b|\bi'll try\b|\bi mean,\b",
        r"^guess\b|\bif it really matters\b",
    ),
    "blame": _rx(
        r"\byou(?:'re| are|'ve| have| people are| people| guys| guys are)? (?:always|never)\b",
        r"\b(?:always|never) (?:once )?(?:listen|care|help|let|ask|support|remember|pay|do)\w*"
        r" (?:\w+ )?(?:to )?(?:me|us|anything)\b",
        r"\btypical you\b|\b(?:it's|that's) (?:all )?your (?:fault|mess|problem)\b",
        r"\byou make (?:it|me|this)\b|\bthe (?:third|fourth|fifth|\d+th) time you\b",
        r"\bonly ever (?:think|care)\w* about yourself\b|\bblame me for\b",
        r"\bfor once\b|\bevery single time\b|\bthanks to you\b|\bbecause of (?:you|what you|"
        r"this family|your)\b|\byou(?:'re| are) the one\b|\byou (?:\w+ )?(?:guilted|pushed|"
        r"forced|humiliated|embarrassed) me\b|\byou should(?:'ve| have)\b|\byou clearly\b",
        r"\b(?:he|she|they|sam) (?:always|never)\b|\balways me\b|\byou treat me\b",
    ),
    "insult": _rx(
        r"\b(?:idiots?|moron\w*|pathetic|cheapskate|incompeten\w*|loser|scumbag|clown|"
        r"enabler|a drunk|dumbest|dumb|stupid|useless|hopeless|liar|fake|unreliable|"
        r"disgusting|a joke|worst|annoying|deaf|brainless|waste of space|impossible|poison|"
        r"loudmouth|big mouth)\b",
        r"\bshut up\b|\bget a life\b|\bif the shoe fits\b|\bscrew (?:you|this|your)\b",
        r"\bcan't you \w+ do anything\b",
    ),
    "sarcasm": _rx(
        r"\boh,? (?:sure|great|right|yeah|wait|perfect|lovely|wonderful|fantastic)\b",
        r"(?:^|[.!?] )(?:yeah,? )?sure,? (?:i'll just|just|skip|tell|interrupt|let's|why not|"
        r"one drink|go ahead|pour|i'll relapse|i'll skip|i'll clone)\b",
        r"\b(?:brilliant|great|genius|fantastic|wonderful) (?:idea|plan)\b",
        r"\bmust be nice\b|(?:^|[,.] )(?:i )?love that(?: for \w+)?[.!]?$|\bmy fav(?:ou)?rite\.|"
        r"\boh wait\b|\bclassic \w+|(?:^|[.!?] )(?:typical|figures)[.!]|\bif you say so\b",
        r"^wow[.,!]|\bhappy now\?|\bwant a medal\b|\bwhat a hero\b|\btook you long enough\b|"
        r"\bsome people (?:just )?can't\b|\bnow you want\b|\ba big word for\b|\bhuh\?$",
        r"\bsure,? (?:sure|and then|just like)\b|\bjust like you did\b|\bof course you're not\b",
        r"\bwow,? (?:thanks|great|what a|so|really|amazing|nice)\b",
        r"\bthanks (?:so much |a lot )?for (?:\w+ ){0,6}?(?:\w+)[,.]* (?:\w+ ){0,3}?(?:again|"
        r"later|before|really (?:helpful|helps)|oh wait)\b",
        r"\bthanks for \w+ again\b|\bthanks a lot\b",
        r"\breally (?:helpful|helps|impressed|nice of you|feeling it)\b",
        r"\bwhat a (?:supportive|great|good|lovely|wonderful|caring) \w+\b",
        r"\bwhat's the worst that could happen\b|\b(?:oh |yeah,? )?(?:right|sure),? because\b",
        r"\bcongrats on (?:noticing|finally)\b|\bnice of you to\b|\bgood to know\b",
        r"\bglad my\b|\bi'm sure (?:you|my|your)\b|\bwhy would anyone\b|\bclone myself\b",
        r"\b(?:already said|said it) (?:\w+ )?(?:times|again)\b|\bfor the (?:third|fourth|fifth|"
        r"hundredth|millionth|\d+(?:st|nd|rd|th)) time\b",
        r"\bdon't mind me\b|\bi'm used to being\b|\bsorry i'm not (?:as|fun|perfect|good)\b",
        r"\b(?:totally|completely|perfectly) fine that\b|\bcool,? (?:that's )?cool\b",
        r"\bwithout me\b|\bbut me\b|\bwasn't invited\b|\bpretend everything\b",
        r"\bit's only my (?:health|life|recovery|sobriety|treatment)\b",
        r"\bi'll just \w+(?: \w+){0,5} (?:again|alone|while you)\b|\bwhile you (?:all )?have "
        r"fun\b|\blike always\b|\bsince nobody\b|\bgreat,? just great\b",
    ),
    "refusal-no-first": _Rule(
        r"^(?:(?:hey|hi|oh|um|uh|look|well|honestly|actually|sorry)[,.!]* )?no+\b"
        r"(?! (?:worries|problem|rush|biggie|big deal|need|way)\b)(?!,? no\b)(?:,? thanks to)?"
        r"(?!,? (?:it's|its|no|that's) (?:fine|ok|okay|totally))"
    ),
    "refusal-alternative": _rx(
        r"\binstead\b|\bsomewhere else\b|\bsomething else\b|\bhow about\b",
        r"\bi(?:'ll| will) (?:just )?(?:have|take|get) (?:a|an|some|my)\b",
        r"\b(?:i'd|i would) (?:love|like|prefer|rather have|take) (?:a|an|some)\b",
        r"\b(?:happy|good|fine) with (?:my|a|an|some|the)\b|\blet's (?:go|get|grab|do|hang)\b",
        r"\bi'd rather we\b|\b(?:soda|sparkling|lemonade|mocktail|soft drink|juice|coke|"
        r"tea|coffee|water|kombucha)\b",
    ),
    "refusal-ask-stop": _rx(
        r"\b(?:stop|quit) (?:offering|asking|pushing|shoving|bringing|putting|handing|"
        r"pouring|buying)\b",
        r"\b(?:don't|do not|not|never) (?:ask|offer)(?: me)?\b|\bno more (?:offers|drinks)\b",
        # closing a refusal ("still no, i dont do pills. please stop"; not "please stop yelling")
        r"\bplease stop(?: it| now| asking| offering)?[.!]*$",
    ),
    "excuse": _rx(
        r"\bnot (?:right )?(?:now|tonight|today|this time)\b",
        r"\bmaybe (?:later|another time|next time|some other time|tomorrow)\b|"
        r"\banother time\b|\brain ?check\b",
        r"\bi'm driving\b(?! (?:you|her|him|them|us|to|over|home|back)\b)|\bi have to drive\b",
        r"\b(?:on|taking) (?:antibiotics|meds|medication|"
        r"pills)\b",
        r"\b(?:early|big) (?:start|morning|day) tomorrow\b|\ban early start\b|\bi'd better "
        r"not\b|\bi have work (?:tomorrow|in the morning)\b|\bi'm not really drinking\b",
    ),
}

# Cues that carry a style without being a skill marker.
CUES: dict[str, _Rule] = {
    "give-in": _rx(
        r"\bi'll just\b|\bwhatever(?:'s)? (?:you|easier|the group|works|everyone)\b|"
        r"\bi don't mind\b|\bgo along with\b",
        r"\b(?:it's|its) (?:totally |probably |really )?(?:fine|okay|alright)\b|"
        r"\bno worries\b|\bno problem\b|^(?:yes,? |okay,? )?of course\b|\bif that's what\b",
        r"\b(?:okay|fine|alright|sure)[,.]* (?:okay[,.]* )?i(?:'ll| will| can)\b|\bi'll (?:skip|"
        r"cancel|come|stay late)\b|\bjust (?:one|a (?:small|little|tiny))\b",
        r"\bdon't want to (?:cause|make|upset|be|bother)\b|\bnot a big deal\b|\bignore me\b|"
        r"\bdidn't mean to\b|\bi don't need\b|\bi didn't (?:really )?(?:need|mind)\b",
        r"^(?:okay|fine|sure|alright|yes)[.!]?(?: (?:okay|fine|seven|sure)\.?)?$",
        r"^\(?say nothing\)?$|^\.\.\.$|\bsee you (?:then|there|at)\b|\bsending it\b|"
        r"\bi'll send it\b|^(?:\.\.\. ?)?okay[.,] (?:okay|how much|so)\b|^no,? no\b|"
        r"\bforget (?:it|i asked|i said)\b|\bi promise\b|\bi'll (?:get it|see how)\b|"
        r"\bfine[.,] (?:fine,? )?(?:come|pour|one|go ahead|whatever you)\b|\bi'll do anything\b",
    ),
    # Offering to give up treatment or a boundary to keep the peace: never assertive, however
    # firmly it is worded ("You're right, I'll quit group then").
    "gives-up-care": _rx(
        r"\b(?:i'll|i will|i can|i could|i guess i'll|maybe i should|i should just|let me just)"
        r" (?:just |probably |totally )?(?:quit|skip|miss|drop(?: out of)?|stop (?:going to|"
        r"taking)|leave|give up(?: on)?|cancel|pause)(?: on)? (?:my |the |this |our |going to )?"
        r"(?:group|treatment|meetings?|therapy|program|rehab|iop|sessions?|counseling|"
        r"counselor|meds|medication|sobriety|recovery|aa|na|sponsor|appointment)\b",
        r"\b(?:i'll|i will|fine,? i'll|ok(?:ay)?,? i'll) (?:just )?(?:have|take|do) (?:just )?"
        r"(?:one|a (?:sip|drink|hit|little|couple))\b|\bforget my boundar(?:y|ies)\b",
    ),
    "self-put-down": _rx(
        r"\bi(?:'m| am|'ve been) (?:such |so |a |just |the )?(?:a )?(?:terrible|useless|bad|"
        r"awful|failure|mess|disaster|buzzkill|burden|idiot|stupid|worst)\b",
        r"\bfeel like (?:such )?a (?:burden|failure|nuisance)\b|^it's stupid\b|"
        r"\bi shouldn't have\b|\bi'm not boring\b|\bit's not like that\b",
        r"\bi keep (?:messing|screwing|getting it wrong)\b|\bi ruin\b",
    ),
    "command": _rx(
        r"\bback off\b|\bleave me alone\b|\bget (?:that|it|this|out|lost|away)\b|"
        r"^move\b|\bfix it yourself\b|\bdo your own\b|\bstop treating me\b",
        r"\bdon't (?:ever|lecture|tell me what|do that|contact me|butter)\b|"
        r"\bi don't (?:care|have to explain)\b|\bmind (?:your|her|his|their) own\b|"
        r"\blose my number\b|\bdrop it\b|\bstop talking\b|\bnever mention\b|\bhang up\b|"
        r"\bi'm done\b|\bwe're done\b|\bcalling the (?:cops|police)\b|\byour loss\b|"
        r"\benjoy your life\b|\b(?:none|not) (?:of )?your business\b|\bstop\. \w+\.|\bcome on,|"
        r"\bat least i(?:'m| am| remember| don't)\b|\bi'm not the one\b|\byou need to stop\b",
        r"\bnow or\b|\bor (?:else|we're done|you'll)\b|\byou'll regret\b|\bthat's final\b",
    ),
    "hostile-question": _rx(
        r"\bare you (?:kidding|serious|stupid|deaf|joking|insane|crazy)\b",
        r"\bwhat (?:is|'s) wrong with you\b|\bwhat are you looking at\b|\bhow many times\b|"
        r"\bcan't you people\b|\bhow dare\b|\bwho do you think\b|\bseriously\?|"
        r"\bwhy (?:are|do|does|did|would|is|should) (?:you|everyone|everything|it always)\b|"
        r"\bwhat do you want from me\b|"
        r"\bcan (?:you|\w+'s \w+) (?:just )?(?:\w+ )?(?:\w+ )?for once\b|"
        r"\bdo you want the whole\b",
    ),
    "profanity": _Rule(
        r"\b(?:fuck\w*|f\*+\w*|shit\w*|crap|hell|bloody|wtf|goddamn|for god's sake|oh my god|"
        r"bullshit|piss\w*|bastard|bitch\w*|screw)\b"
    ),
    "sulk": _rx(
        r"\bnoted\b|\bwon't bother you\b|(?:^|[.!?] )whatever[.!]|^fine\.$|"
        r"\b(?:go|leave|believe what you want),? then\.|\bi've heard that before\b|"
        r"\bnever mind\b|\byou won't get it\b|\bwe'll see\b|\byou know exactly\b|"
        r"\bjust saying\b|\bdouble of nothing\b|^k$"
    ),
    "scare-quotes": _Rule(r"(?:^|\s)'[a-z][a-z ]{2,20}[.!?]?'(?=[\s,.?!]|$)"),
    "repair": _rx(
        r"\b(?:i|and|then) (?:snapped|was short|got sharp|was rude|was harsh)\b|"
        r"\bfor (?:cancelling|snapping|the maybe)\b|\bi should have said\b|"
        r"\bcan i try (?:that )?again\b|\blet me (?:start|say it|say that) "
        r"(?:again|over|better|properly)\b|\bi (?:lied|relapsed)\b|\bthat (?:was|came out) "
        r"(?:unfair|too|harsh|wrong)|\bsorry for that part\b|\bthat wasn't kind\b|"
        r"\bthat was unfair of me\b|\bi jumped ahead\b|\bthat wasn't mine\b"
    ),
    "affirm": _rx(
        r"\bthat's (?:such )?a (?:careful|kind|brave|loving|smart|thoughtful)\b|"
        r"\bthat took guts\b|\b(?:i )?(?:really )?appreciate (?:it|that|you|u|this)\b|"
        r"\bthank (?:you|u)(?: so much)?[.!]*$|\b(?:ty|tysm|thx)[.!]*$|"
        r"\bthanks for (?:hearing me|being|listening|picking up|checking (?:in|on me)|looking out|"
        r"having my back|understanding|getting it|asking|the ride)\b|\byou're the most \w+\b|"
        r"\blove (?:you|u|ya)\b|\bmeans a lot\b"
    ),
    "action": _Rule(
        r"^\((?!say nothing|eat in silence|hang up|muttering)[^)]*\b(?:call|"
        r"text|walk|pour|set|put|make|open|raise|pause|breath|name|let go|wait|"
        r"don't reply|phone down|decide|get a|stay)\w*[^)]*\)\.?$"
    ),
}


_APOLOGY = _Rule(r"\bsorry\b|\bapologi[sz]e\b")
_OTHERS = _Rule(r"\b(?:you|your|you're|yourself|you people|this|that|they|them|everyone)\b")
_YOU = _Rule(r"\byou")
_NOT_EVER = _Rule(r"\bnot (?:ever|again)\b")
_WEAK_INSULT = re.compile(
    r"stupid|useless|dumb|worst|hopeless|annoying|fake|joke|unreliable|"
    r"impossible|terrible|pathetic"
)
_NO_PROBLEM = _Rule(r"\bno problem|\bdidn't need")
_LEAD_DIRECTION = re.compile(r"^\([^)]{0,40}\)\s+(?=\S)")
_NOT_SORRY = re.compile(r"\b(?:don't|no need to) (?:be sorry|apologi[sz]e)[.!,]? ?")


def _sentences(s: str) -> list[str]:
    return [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", s) if p.strip()]


def _fragment(s: str, span: tuple[int, int]) -> str:
    """A short fragment (at most ~6 words) around a match, for feedback."""
    start, end = span
    while start > 0 and s[start - 1] not in ".!?,;":
        start -= 1
        if span[0] - start > 12:
            break
    if start > 0 and not s[start - 1].isspace() and s[start - 1] not in ".!?,;":
        # stopped inside a word: start at the next one ("n't get food sometime", a trial)
        start = s.find(" ", start, span[0]) + 1 or span[0]
    frag = s[start:end].strip(" ,.;!?")
    words = frag.split()
    if len(words) > 6:
        frag = " ".join(words[:6])
    return frag


def read_markers(text: str) -> tuple[dict[str, str], set[str], int]:
    """(markers with a fragment each, cues, word count) for one reply."""
    raw = text[:MAX_READ]
    s = _LEAD_DIRECTION.sub("", normalise(raw))  # "(to Jess) Yes." reads as "Yes."
    s = _NOT_SORRY.sub("", s)  # "Don't be sorry" is not an apology
    words = len(_WORD.findall(s))
    found: dict[str, str] = {}
    cues: set[str] = set()
    if not s:
        return found, cues, 0
    sentences = _sentences(s)
    for name, rx in RULES.items():
        if name == "clear-request":
            # A request wrapped in hedges ("could I maybe possibly…") isn't a clear one.
            for sent in sentences:
                m = rx.search(sent)
                if m and not RULES["hedge"].search(sent) and "sorry" not in sent:
                    found[name] = _fragment(sent, m)
                    break
            continue
        m = rx.search(s)
        if m:
            found[name] = _fragment(s, m)
    for name, rx in CUES.items():
        if rx.search(s):
            cues.add(name)
    if _APOLOGY.search(s):
        cues.add("apology")
    # Refusal markers only count in a refusal.
    refusing = "refusal-no-first" in found or "clear-no" in found
    if "refusal-alternative" in found and not refusing:
        del found["refusal-alternative"]
    # "No, I don't drink. Not tonight, not ever." is a clear no, not an excuse.
    if "excuse" in found and "clear-no" in found and _NOT_EVER.search(s):
        del found["excuse"]
    # Owning a sharp moment ("I snapped, sorry") is repair, not grovelling.
    if "repair" in cues and "self-put-down" not in cues:
        cues.discard("apology")
        found.pop("over-apology", None)
    # An apology on its own is over-apologising only when it carries the whole reply.
    if "apology" in cues and "over-apology" not in found:
        positive = [k for k in found if k not in NEGATIVE]
        if not positive and "sarcasm" not in found:
            span = _APOLOGY.search(s)
            if span:
                found["over-apology"] = _fragment(s, span)
    if "self-put-down" in cues and "over-apology" not in found and "apology" in cues:
        found["over-apology"] = "sorry"
    # Self-directed put-downs ("I'm so useless", "a stupid idea anyway") aren't insults.
    if "insult" in found and _WEAK_INSULT.search(found["insult"]) and not _OTHERS.search(s):
        del found["insult"]
    if "insult" in found and "self-put-down" in cues and not _YOU.search(s):
        del found["insult"]
    # An open question that is really an accusation is not an open question.
    if "open-question" in found and ("hostile-question" in cues or "sarcasm" in found):
        del found["open-question"]
    # Shouting, exclamations and emoji read from the raw text.
    caps = [w for w in _CAPS.findall(raw) if w not in _CAPS_OK]
    if caps:
        if any(w in {"SO", "AGAIN", "LOVE", "TOTALLY", "REALLY", "GREAT", "SURE"} for w in caps):
            cues.add("caps-irony")
        else:
            cues.add("shouting")
    if re.search(r"!{2,}|\?!|!\?|\?{2,}", raw):
        cues.add("exclaim")
    if any(ch in raw for ch in _EMOJI_EYEROLL):
        cues.add("eyeroll")
        found.setdefault("sarcasm", "the eye-roll")
    if any(ch in raw for ch in _EMOJI_SMILE) and (
        {"give-in", "hedge"} & (cues | set(found)) or _NO_PROBLEM.search(s)
    ):
        cues.add("smile-after-complaint")
    if any(ch in raw for ch in _EMOJI_ANGRY):
        cues.add("profanity")
    return found, cues, words


def markers_digest() -> str:
    """What the style model's features read besides the words: every marker and cue as written,
    and `read_markers` itself. Part of the style version, as the lexicon is of the crisis one: a
    marker edited without a retrain would leave a model trained on other features (a markers
    change once shipped under an unchanged version)."""
    rules = {
        kind: {k: list(r.parts) for k, r in d.items()}
        for kind, d in (("rules", RULES), ("cues", CUES))
    }
    text = json.dumps(rules, sort_keys=True) + inspect.getsource(read_markers)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# A plain no, the whole reply: the library teaches that "no" is a complete sentence (refusal
# skills), and the model read a bare "No." as aggressive. Not shouted: "NO" and "no!!" are
# left to the model.
_BARE_NO = re.compile(r"(?:No|no)\.?")


# What makes thanks a jab without a sarcasm marker ("thanks for being so understanding. really.")
_DIG = re.compile(
    r"\b(?:i guess|i suppose|as usual|as always|for once|finally|for nothing|so much for|not\.|"
    r"of course you|must be nice|must be a|obviously|next time|jk|only took|took (?:you|u))\b|"
    r"\bnot[.!]*$|\breally(?:[.!]|[.!]*$| (?:great|helpful|nice|useful))|"
    r"\bso (?:understanding|helpful|supportive)\b"
)


def _without(probs: dict[str, float], style: str) -> dict[str, float]:
    probs = {k: (v if k != style else 0.0) for k, v in probs.items()}
    total = sum(probs.values())
    return {k: v / total for k, v in probs.items()} if total else probs


def _style(found: dict[str, str], cues: set[str], text: str) -> tuple[str, float]:
    """The trained model's reading over the rules' findings; rules that are certain decide."""
    if _BARE_NO.fullmatch(text.strip()):
        return A, 1.0
    said = normalise(text)
    feats = features.style_features_of(text[:MAX_READ], said, found, cues)
    probs = shipped("style").probabilities(feats)
    if "gives-up-care" in cues and probs[A] > 0.0:  # giving up care is never assertive
        probs = _without(probs, A)
    # Sincere thanks is never sarcasm (the issue): a participant trial's "thanks unc, love u" and
    # "ok great, thanks for being cool about it" were coached as passive-aggressive, the second
    # at 0.98, so no confidence keeps that reading. Thanks with a sarcasm or insult marker, or a
    # dig ("...not", "jk", "only took you", "obviously"), is left to the model.
    if "affirm" in cues and not set(HOSTILE) & set(found) and not _DIG.search(said):
        probs = _without(probs, PA)
    style = max(STYLES, key=lambda k: (probs[k], -STYLES.index(k)))
    return style, probs[style]


def analyse(text: str) -> Analysis:
    """Read one typed reply for its communication style and skill markers."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    found, cues, words = read_markers(text)
    style, confidence = _style(found, cues, text)
    if style in (A, P):  # "I'd really appreciate it" read as sincere: no sarcasm to warn about
        for marker in HOSTILE:
            found.pop(marker, None)
    if "blame" in found:  # "you always do this, its never about what i need": not spoken
        found.pop("i-statement", None)  # from "I" instead of "you always" (a participant trial)
    if words == 0:
        confidence = 0.0
    markers = tuple(m for m in MARKERS if m in found)
    evidence = tuple((m, found[m]) for m in markers)
    # a yes that isn't one: a refusal quoting the push, reported speech, a soft drink or pills
    # thrown out; a sarcastic yes, unless the whole reply is the yes ("sure, one drink", "sure
    # why not, just tonight"), where the sarcasm reading is the less likely one
    said = normalise(text)
    unsaid = (
        bool({"refusal-no-first", "refusal-ask-stop"} & set(found))
        or '"' in text
        or _NOT_USE.search(said) is not None
    )
    # a whole reply that is the yes can end on leaving ("ok one drink then im heading home"),
    # which reads as a no elsewhere
    partial = unsaid or "clear-no" in found or bool(set(HOSTILE) & set(found))
    yes_to_use = not unsaid and (
        _NAMED_YES.search(said) is not None
        or (not partial and _YES_TO_USE.search(said) is not None)
    )
    plain_yes = not unsaid and (_PLAIN_YES.search(said) is not None or _yes_at_offer(said))
    return Analysis(
        style, round(confidence, 3), markers, evidence, words, yes_to_use, yes_to_use or plain_yes
    )


# Saying yes to a drink or a drug, in the first person: what a recovery scene must not play as its
# nearest line ("fine, one beer wont kill me" went on as a refusal in a participant trial).
# Narrow on purpose: a reviewer found a wider reading sending "pour me a club soda", "a glass of
# ginger ale for the toast" and "I'll take a couple of late shifts" down the line that gives in.
# Quitting treatment is left to matching (the style is never assertive: see
# `CUES["gives-up-care"]`): said to a counselor it is a disclosure, not a line to stop. Not a
# style feature: this reads only for matching.
_YES_WORD = r"(?:ok|okay|fine|sure|alright|all right|yeah|yes|please|whatever|ugh)[,.!]*"
_USE = (
    r"(?:beer|beers|drink|drinks|shot|shots|hit|line|bump|pint|margarita|cocktail|splash|round|"
    r"glass(?! of (?:water|soda|juice|milk|ginger ale|coke|sprite|lemonade|iced tea|"
    r"sparkling))(?: of wine)?)"
)
# what names no drug: a soft drink, or pills put out of reach ("give me the bag, ill flush them",
# "ok one drink. a coke", "ill take them to the pharmacy drop box": a reviewer)
_NOT_USE = re.compile(
    r"\b(?:soda|sodas|seltzer|water|juice|tea|lemonade|ginger ale|kombucha|mocktails?|sprite|"
    r"sparkling|coffee|horchata|non-alcoholic|(?:a|diet|just) coke|coke (?:only|zero)|"
    r"flush|drop ?box|take-back|pour (?:it|them) out|throw (?:it|them) (?:out|away)|"
    r"(?:set|put) it down|(?:take|put) (?:it|them) back|no (?:wine|drinking|drinks|beer|booze|"
    r"alcohol|pills|using)|not (?:drinking|using)|(?:won't|wont|don't|dont) (?:drink|use))\b"
)
# a soft no, never the line that gives in unless the reply is a yes ("thanks, i really shouldnt"
# went down "Fine, one sip": a reviewer; "i really shouldnt... ok maybe a small one" is a yes)
_SOFT_NO = re.compile(
    r"\bi (?:really |probably |prob )?(?:shouldn't|shouldnt|should not|better not|'d better not)\b"
)
# the yes at the opening, the drink named: read wherever using is at stake in the moment
_YES_TO_USE = re.compile(
    rf"^(?:(?:omg|oh|ooh|aw|haha|lol)[,.!]* )?(?:{_YES_WORD} )+(?:then[,.]? |finally |i guess )?"
    rf"(?:just )?(?:one|a|1|a couple) {_USE}\b|"
    rf"^(?:{_YES_WORD} )*(?:give me (?:one|two|a couple|them|the (?:baggie|bag|pills?|bottle|"
    r"glass|beer|stuff|shot))\b(?! of\b)(?! (?:more |extra )?(?:sec|second|min|minute|hour|day|"
    r"week|month|moment|chance|break|space|time|try|shot at)s?\b)|"
    rf"pour me (?:one|a {_USE})|pour it\b|(?:i'll|ill|i will) (?:just )?have "
    rf"(?:just )?(?:one|a) {_USE}(?: then)?[.!]*$|(?:i'll|ill|i will) (?:just )?take (?:one|them|"
    r"a couple|two)\b(?! of\b))|"
    rf"^(?:{_YES_WORD} )*one {_USE}(?: or two)? (?:won't|wont|can't|cant) (?:hurt|kill)"
    r"(?: me)?[.!]*$|"
    # the yes first, the drink last: "ugh fine, ill uber. one drink"
    rf"^(?:{_YES_WORD} )+[^.!?]{{1,40}}[.!?]+ (?:just )?(?:one|a|1) {_USE}"
    r"(?: (?:max|tops|only|then))?[.!]*$"
)
_THEN_OUT = r"(?:[,.]* (?:then )?(?:i'm|im|i am) (?:out|done|going|heading home|leaving))?"
# the whole reply is the yes, the drink named ("sure, one drink" reads as sarcasm elsewhere)
_NAMED_YES = re.compile(
    rf"^(?:{_YES_WORD} |bet[,.!]* |aight[,.!]* )*(?:i guess )?(?:just )?(?:one|a|1|another|one "
    rf"more) {_USE}(?: (?:then|max|tops|only|please|for the road))?{_THEN_OUT}[.!]*$"
)
# The whole reply is a yes that names nothing: "ok ill come thru" and "yeah im down, what u got"
# to a dealer, "sure why not, just tonight", a bare "ok" to pills tucked in a pocket (a second
# trial: each went down another line, the options again, or "No. Please keep them."). Read only
# where the moment is an offer (`OFFERS_USE`): a reviewer saw "yes" to "coffee?? you serious?" and
# "ok" to "I'm not the enemy here" played as giving in.
_PLAIN_YES = re.compile(
    rf"^(?:{_YES_WORD} |bet[,.!]* |aight[,.!]* )*(?:"
    r"ok|okay|k|fine|sure|alright|all right|yeah|yes|yep|bet|"
    r"why not(?:[,.]* just (?:tonight|this once|(?:the )?one(?: for (?:the )?\w+)?))?|"
    r"(?:i'll|ill|i will|imma|i'm gonna|im gonna) (?:come|swing|stop|roll) (?:thru|through|by|"
    r"over)(?: (?:tonight|later|in a bit|now|for a (?:bit|minute|sec|while)))?|"
    r"(?:i'm|im) (?:down|in)(?:[,.]* what (?:u|you|ya) got\??)?|what(?:chu| (?:u|you|ya)) got\??|"
    r"just (?:tonight|this once)|"
    rf"(?:i guess )?just (?:one|a little|a tiny bit|a sip|a drop)(?: (?:then|tonight|to sleep|"
    rf"for the (?:pain|toast|road)))?{_THEN_OUT}|"
    r"one for the road|pour it|"
    # wanting one: "honestly i could use a drink rn" (a fifth trial: praised as clear and direct,
    # and played as the refusal). Only at an offer: alone with a craving it is the craving told
    r"(?:(?:honestly|ngl|tbh|lol|ugh|man|god|omg)[,.!]* )*i (?:could|can) (?:really )?(?:use|go "
    r"for) (?:a|one) (?:drink|beer|shot|glass(?: of wine)?)(?: (?:rn|right now|tonight|tbh|ngl|"
    r"lol))*|"
    # "ok sure ill have one" to a glass held out (a fourth trial: "doesn't fit")
    r"(?:i'll|ill|i will|i guess i'll|i guess ill) (?:have|take|try) (?:one|a sip|a little|"
    r"a small one|some)(?: then)?"
    r")[.!]*$"
)
# A yes inside a longer reply to an offer, when every clause of it is a yes, thanks, a toast, the
# drink asked for, or a hesitation given up: "sure, pour me a drop, its for amara" (read as sarcasm
# and played as the refusal: a third trial), "omg ur a lifesaver, yes pls" to Percocets and "ooh
# thanks, cheers!" to a glass of wine (coached as assertive). Only these, clause by clause: a
# reviewer saw "ok im going home" and "sure dev, i'm staying home tonight" played as giving in
# under a rule that looked for the absence of a no.
_YES_ITSELF = (
    r"ok|okay|k|sure|fine|yes|yeah|yep|ya|yass|cheers|bet|alright|pls|please|why not|gimme|"
    r"twist my arm|don't mind if i do"
)
_YES_WORDS = _YES_ITSELF + r"|thanks|thank (?:you|u)|ty|thx"
_YES_CLAUSE = re.compile(
    r"^(?:(?:omg|oh|ooh|aw+|haha|lol|ugh|um+|well|hmm|man|dude|bro)[ ]?)*"
    rf"(?:(?:{_YES_WORDS})[ ]?)*"
    r"(?:(?:maybe |just |i guess |then )*(?:pour (?:me )?(?:one|it|some|a (?:drop|splash|little|"
    r"glass|bit))|a (?:drop|splash|sip|small one|tiny bit|little|glass|beer|drink)|one|a small "
    r"one|(?:ur|you're|youre) a (?:lifesaver|legend|saint)|(?:its|it's) for \w+|for the (?:toast|"
    r"road)|cheers to (?!(?:my |our )?(?:sobriety|being sober|staying sober|recovery))\w+(?: \w+)?|"
    r"finally|what time\??|where (?:u|you|ya|r u|are you) at\??|wya\??|(?:what's|whats) the "
    r"(?:addy|address)\??|send (?:me )?the (?:addy|address|location|pin)|"
    r"(?:i'll|ill|i will|imma) (?:come|swing|stop|roll) (?:thru|through|by|over)(?: (?:tonight|"
    r"later|in a bit|now))?|see (?:u|you|ya)(?: at \d+| there| then| tonight)?|"
    # asking them over: "yeah come thru, ill leave the door open" (a fifth trial)
    r"come (?:thru|through|over|by)(?: (?:tonight|now|later|whenever))?|"
    r"(?:i'll|ill|i will) (?:leave the door (?:open|unlocked)|be (?:up|around))|"
    r"i (?:really )?shouldn't|i (?:really )?shouldnt|(?:u|you) win))?"
    r"(?: (?:then|pls|please|lol|haha))*$"
)
# the yes itself: thanks alone isn't one ("thanks, i really shouldnt" went down "Fine, one sip": a
# reviewer)
_YES_IN_CLAUSE = re.compile(rf"\b(?:{_YES_ITSELF})\b")


def _yes_at_offer(said: str) -> bool:
    clauses = [c.strip() for c in re.split(r"[.,!;:]+|\s-\s", said) if c.strip()]
    return (
        bool(clauses)
        and all(_YES_CLAUSE.match(c) for c in clauses)
        and any(_YES_IN_CLAUSE.search(c) for c in clauses)
    )


# ---- feedback ----------------------------------------------------------------------------------

_DID = {
    "refusal-no-first": "said no straight away",
    "clear-no": "said no clearly",
    "refusal-alternative": "offered an alternative",
    "refusal-ask-stop": "asked them to stop",
    "validation": "acknowledged how they feel",
    "reflection": "reflected back what you heard",
    "open-question": "asked an open question",
    "feeling": "said how you feel",
    "i-statement": "spoke from your side with an I-statement",
    "facts": "stuck to the facts",
    "clear-request": "asked clearly for what you want",
    "reinforce": "said what's in it for them",
    "offer": "offered something in return",
}
_CAUTION = {
    "excuse": "{q} is an excuse, and excuses invite a later yes.",
    "over-apology": "The apology makes your need sound like a fault; you don't have to say "
    "sorry for having one.",
    "hedge": "Softeners like {q} make it easy to hear a yes; you can say it plainly.",
    "blame": "{q} puts them on the defensive; naming this one situation gets you further.",
    "insult": "The frustration makes sense, but the name-calling is what they'll hear, and "
    "your point gets lost.",
    "sarcasm": "There's a real point under the sarcasm, but sarcasm is hard to answer kindly; "
    "try saying it straight.",
}
_ADD = {
    "dear-man.describe": "the plain facts of the situation",
    "dear-man.express": 'how this feels for you ("I feel…")',
    "dear-man.assert": "a clear ask or a clear no",
    "dear-man.reinforce": "what's in it for them",
    "dear-man.mindful": "coming back to your main point",
    "dear-man.confident": "plain, unhedged wording",
    "dear-man.negotiate": "something you could offer instead",
    "give.gentle": "a gentler edge",
    "give.interested": "a question about their side",
    "give.validate": 'a word for how they feel ("I can see this matters to you")',
    "give.easy": "a lighter, easier tone",
    "fast.no-apologies": "your point without the apology",
    "fast.values": "what matters to you here",
    "fast.truthful": "the plain truth",
    "i-statement": 'an I-statement ("I feel… I need…")',
    "oars.open-question": 'an open question ("What…?", "How…?")',
    "oars.affirm": "a specific affirmation",
    "oars.reflect": 'a reflection ("Sounds like…")',
    "oars.summarise": "a short summary of what you heard",
    "refusal.no-first": '"no" as your very first word',
    "refusal.alternative": "an alternative to suggest",
    "refusal.ask-to-stop": "a request to stop pushing",
    "refusal.change-subject": "a change of subject",
}
_OPENING = {
    A: "That's clear and direct.",
    P: "That keeps the peace for now, but your own need gets lost.",
    G: "The frustration comes through loud and clear.",
    PA: "That gets your point across sideways.",
}


def _join(parts: Sequence[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _quote(fragment: str | None, fallback: str) -> str:
    if not fragment:
        return fallback
    words = fragment.split()
    short = " ".join(words[:5])
    return f"'{short[:1].upper()}{short[1:]}'"


def components(markers: Iterable[str]) -> tuple[str, ...]:
    """The scenarios.skills component keys the markers stand for, in order, no repeats."""
    out: list[str] = []
    for m in markers:
        comp = MARKER_TO_COMPONENT.get(m)
        if comp in COMPONENTS and comp not in out:
            out.append(comp)
    return tuple(out)


def coach_feedback(analysis: Analysis, looks_for: list[str] | None = None) -> str:
    """One to three kind, specific sentences: what the reply did, and what it could add."""
    looks_for = list(looks_for or [])
    did = [_DID[m] for m in _DID if m in analysis.markers]
    # Keep it short, and don't say "no" twice.
    if "said no straight away" in did and "said no clearly" in did:
        did.remove("said no clearly")
    sentences: list[str] = []
    if did:
        sentences.append(f"You {_join(did[:3])}.")
    else:
        sentences.append(_OPENING.get(analysis.style, _OPENING[A]))
    cautions = [
        m
        for m in ("insult", "blame", "sarcasm", "excuse", "over-apology", "hedge")
        if m in analysis.markers
    ]
    if cautions:
        m = cautions[0]
        fallbacks = {"excuse": "'Not tonight'", "hedge": "'maybe'", "blame": "'You always'"}
        q = _quote(analysis.fragment(m), fallbacks.get(m, ""))
        if m == "hedge" and q.startswith("'"):
            q = "'" + q[1:2].lower() + q[2:]
        sentences.append(_CAUTION[m].format(q=q))
    shown = set(components(analysis.markers))
    # Only what the coach can see, and never what the reply already has.
    missing = [c for c in looks_for if c in DETECTABLE and c not in shown and c in _ADD]
    if "i-statement" in missing and "dear-man.express" in missing:  # both say "I feel…"
        missing.remove("dear-man.express")
    if missing:
        sentences.append(f"Next time you could add {_join([_ADD[c] for c in missing[:2]])}.")
    elif not cautions and analysis.style == A:
        sentences.append("That's the skill; keep it just as plain when they push back.")
    return " ".join(sentences[:3])


# ---- matching a typed reply to a choice ----------------------------------------------------------

_STOP_WORDS = (
    "a an the and or but so to of in on at for with is are was were be been am i i'm i'll i'd "
    "i've me my you you're your we us our it it's that this these those just really very not "
    "no yes do don't did can can't could would will should have has had if then than there "
    "here what how why when who as by from about up out all one too also oh okay well "
)
_STOP = frozenset(_STOP_WORDS.split())
_STEM = re.compile(r"(?:ing|ed|es|s|ly)$")
_STYLE_NEAR = {(P, PA): 0.35, (PA, P): 0.35, (G, PA): 0.35, (PA, G): 0.35}


def _content(text: str) -> set[str]:
    out = set()
    for w in _WORD.findall(normalise(text)):
        w = w.strip("'")
        if len(w) < 3 or w in _STOP:
            continue
        out.add(_STEM.sub("", w) if len(w) > 4 else w)
    return out


@lru_cache(maxsize=4096)
def _spoken_components(spoken: str) -> frozenset[str]:
    return frozenset(components(analyse(spoken).markers))


def _choice_markers(choice: Choice) -> set[str]:
    return set(choice.skills) | _spoken_components(choice.spoken)


@dataclass(frozen=True, slots=True)
class _Scored:
    choice: Choice
    score: float
    overlap: float


def _score(analysis: Analysis, comps: set[str], words: set[str], choice: Choice) -> _Scored:
    near = (
        1.0
        if analysis.style == choice.style.value
        else _STYLE_NEAR.get((analysis.style, choice.style.value), 0.0)
    )
    style_part = 2.0 * near * (0.4 + 0.6 * analysis.confidence)
    theirs = _choice_markers(choice)
    shared = comps & theirs
    skill_part = 1.2 * len(shared) / max(1, len(comps | set(choice.skills)) ** 0.5)
    cw = _content(f"{choice.spoken} {choice.text}")
    overlap = len(words & cw) / math.sqrt(max(1, len(words)) * max(1, len(cw))) if words else 0.0
    return _Scored(choice, style_part + skill_part + 1.5 * overlap, overlap)


_VERBS = {
    "over-apology": "apologizes",
    "hedge": "hedges",
    "excuse": "gives an excuse",
    "blame": "blames",
    "insult": "insults",
    "sarcasm": "is sarcastic",
    "i-statement": "uses an I-statement",
    "feeling": "says how you feel",
    "facts": "sticks to facts",
    "clear-request": "asks clearly",
    "clear-no": "says no",
    "reinforce": "says what's in it for them",
    "offer": "offers something",
    "validation": "validates",
    "open-question": "asks an open question",
    "reflection": "reflects back",
    "refusal-no-first": "starts with no",
    "refusal-alternative": "offers an alternative",
    "refusal-ask-stop": "asks them to stop",
}


def _not_understood(analysis: Analysis, tied: bool = True) -> Notice:
    """Why a readable reply wasn't played: two lines of different styles fit it (`tied`), or
    none does. "I'm not sure which way you mean it" after a clear ask that no line fits ("could
    you write that down for me") read as doubt about a reply that had none (a trial)."""
    if analysis.words == 0 or not analysis.markers and analysis.confidence < 0.35:
        text = (
            "I couldn't read that as a reply to this moment, so here are the options. "
            "You can pick one or try typing it another way."
        )
    else:
        verbs = [_VERBS[m] for m in analysis.markers][:2]
        how = f": it {_join(verbs)}" if verbs else ""
        text = (
            f"I read that as mostly {analysis.style}{how}. I'm not sure which way you mean "
            f"it to go, so here are the options."
            if tied or not (analysis.markers or analysis.words >= 4)
            else f"I read that as mostly {analysis.style}{how}, but it doesn't fit any line "
            "this moment can play, so here are the options: pick the nearest, or say it "
            "another way."
        )
    return Notice("not-understood", text)


MIN_SCORE = 1.0
MIN_MARGIN = 0.25
MIN_CONFIDENCE = 0.4


GO_ON = "To go on, pick one of the options or type your reply."
# A yes to using, typed where every offered line keeps the no: the scene has no branch for it,
# and played as the nearest line it told the story as if the player had refused (a trial).
SAYS_YES_TO_USE = Notice(
    "not-understood",
    "That sounds like a yes to using, and none of the lines here says yes, so I won't play it "
    "as one of them. If part of you means it, that's worth telling your sponsor, counselor or "
    "group today. Here, try the words you'd want to be able to say. " + GO_ON,
)
YES_FEEDBACK = (
    "That's a yes, so the scene plays it out. A no can be short: say it first, then offer "
    "something else or change the subject, and it stays easy to repeat."
)
ADJACENT = Notice(  # a typed reply may still go on: the prompt under it says so (a sixth trial)
    "not-understood",
    "That sounds heavy, and it isn't something I'll coach as a line in the scene. If you're "
    f"struggling, /safety shows people you can reach right now. {GO_ON}",
)


def _gives_in(choice: Choice) -> bool:
    """The line its author marked as the yes to using (`yes_to_use`): where a typed yes may go.
    Read from the line's words, it missed "Well… it is for Amara…" (no drink named) and took
    "I'll cut back to one night a week" and "(Take it and hope)" at the pharmacy (a trial)."""
    return choice.yes_to_use


_REFUSING = {"refusal-no-first", "clear-no", "refusal-ask-stop", "refusal-alternative"}


@lru_cache(maxsize=4096)
def _puts_self_down(spoken: str) -> bool:
    """The line's words put the speaker down ("I'm so useless with numbers"): never played for a
    reply that neither apologizes nor does that (a reviewer: a filter on the skill alone lost
    "youre right, i owe you" and sent "youre right. ill take two" down a refusal). Keyed by the
    library's lines only: a reply is read from its normalised text where it is matched."""
    return CUES["self-put-down"].search(normalise(spoken)) is not None


_SAYS_NOTHING = re.compile(
    r"\b(?:say nothing|on read|ignore|no reply|don't reply|stay quiet|silen)"
)


def _silent(choice: Choice) -> bool:
    """A line that says nothing at all ("(Leave it on read)", "(Say nothing, stare at notes)"):
    never what typed words meant. Not an action with words ("(Type 'pass')", "(Step away)")."""
    said = choice.spoken.strip()
    return (
        said.startswith("(")
        and said.endswith(")")
        and _SAYS_NOTHING.search(said.lower()) is not None
    )


def _use_at_stake(choices: list[Choice]) -> bool:
    """A line here refuses using or gives in to it: "Sure, a drink after work sounds good" to a
    coworker in a scene about credit is no lapse (a reviewer)."""
    return any(_gives_in(c) or any(k.startswith("refusal.") for k in c.skills) for c in choices)


# A skill the branch vouches for is not credited where the words say otherwise (a reviewer:
# "Sorry, I can't lend you the money" was credited with no apologies; a hedge with confidence).
_BELIED_BY = {
    "dear-man.confident": {"hedge", "over-apology"},
    "fast.fair": {"blame", "insult", "sarcasm"},
    "give.gentle": {"blame", "insult", "sarcasm"},
}


def _belied(skill: str, analysis: Analysis, text: str) -> bool:
    if skill == "fast.no-apologies":
        return _APOLOGY.search(normalise(text)) is not None
    return bool(_BELIED_BY.get(skill, set()) & set(analysis.markers))


def match_reply(
    scenario: Scenario, node_id: str, choices: list[Choice], text: str
) -> tuple[str | None, list[Output]]:
    """The engine's Matcher: the nearest offered choice and feedback on the typed words."""
    if adjacent(screen_text(text)):  # crisis-adjacent text is never coached as a style
        return None, [ADJACENT]
    card = card_asked_about(text)
    if card is not None:  # a question about a skill is answered, not played as a line
        what = card_title(card)
        return None, [Notice("info", f"{what}: {card[2]} /skills shows them all. {GO_ON}")]
    analysis = analyse(text)
    node = scenario.nodes.get(node_id)
    looks_for = list(node.prompt.looks_for) if node and node.prompt else []
    normal = [c for c in choices if not c.fallback]
    fallback = next((c for c in choices if c.fallback), None)
    comps = set(components(analysis.markers))
    words = _content(text)
    topical = words & _content(
        " ".join(
            [
                *(t for line in (node.lines if node else []) for t in line.texts),
                *(f"{c.spoken} {c.text}" for c in choices),
            ]
        )
    )
    chosen: Choice | None = None
    tied = True  # what the notice says where nothing is chosen (`_not_understood`)
    ranked: list[_Scored] = []
    norm = normalise(text)
    offered = node is not None and OFFERS_USE in node.tags
    yes_here = (analysis.yes_to_use and _use_at_stake(normal)) or (analysis.says_yes and offered)
    # a refusal, or a soft drink, never plays as the line that gives in ("ok, ill have a soda" went
    # down "(Drink it)" by its words: a reviewer)
    refusing = not yes_here and (
        bool(_REFUSING & set(analysis.markers))
        or _NOT_USE.search(norm) is not None
        or _SOFT_NO.search(norm) is not None
    )
    # nor is a self-verdict put in a mouth that didn't say it ("ok youre right, i'll redo the
    # report tonight" went down "I'm so sorry... I'm so useless with numbers", a fifth trial), a
    # yes aside (it goes to the line that gives in, however that is worded), nor silence played
    # for words ("yeah come thru, ill leave the door open" went down "(Leave it on read)")
    verdict_said = (
        yes_here
        or "over-apology" in analysis.markers
        or CUES["self-put-down"].search(norm) is not None
    )
    playable = [
        c
        for c in normal
        if not (refusing and _gives_in(c))
        and (verdict_said or _gives_in(c) or not _puts_self_down(c.spoken))
        and not _silent(c)
    ]
    if analysis.words and playable:
        ranked = sorted(
            (_score(analysis, comps, words, c) for c in playable),
            key=lambda r: (-r.score, playable.index(r.choice)),
        )
        best = ranked[0]
        # A near tie between choices of the same style isn't a doubt about what the reply
        # means, only about which of two like lines it echoes: the nearer one goes (a trial's
        # clear "I can't lend you money this time" tied two assertive refusals and was stuck).
        rival = next((r for r in ranked[1:] if r.choice.style != best.choice.style), None)
        margin = best.score - (rival.score if rival else 0.0)
        # Of like lines that close, a near miss (the step too far: "never ask me for money
        # again") never wins the tie: "No, I can't lend you money" is the plain refusal.
        close = [
            r
            for r in ranked
            if r.choice.style == best.choice.style and best.score - r.score < MIN_MARGIN
        ]
        if len(close) > 1:
            best = next((r for r in close if r.choice.near_miss is None), best)
        # Not enough to go on: off-topic and little style, or a weak or tied reading.
        # A confident style is not a reply to this moment ("did you watch the game?" reads as
        # plainly assertive): the words or a skill must meet the choice.
        grounded = bool(topical) or bool(comps & _choice_markers(best.choice))
        tied = margin < MIN_MARGIN and best.score >= MIN_SCORE and grounded
        if (
            best.score >= MIN_SCORE
            and margin >= MIN_MARGIN
            and grounded
            and (analysis.confidence >= MIN_CONFIDENCE or best.overlap >= 0.3)
        ):
            chosen = best.choice
    # The fallback takes any readable reply; keyboard-mashing is never passed off as one.
    readable = bool(analysis.markers or topical) or any(w in _STOP for w in _WORD.findall(norm))
    if chosen is None and fallback is not None and readable:
        chosen = fallback
    if yes_here and (chosen is None or not _gives_in(chosen)):
        # the nearest line that gives in, where the moment offers one; never another in its stead
        chosen = next((r.choice for r in ranked if _gives_in(r.choice)), None)
        if chosen is None:
            return None, [SAYS_YES_TO_USE]
    if chosen is None:
        return None, [_not_understood(analysis, tied)]
    said = text[:MAX_CHARS]
    # What the coach can't read, the branch vouches for: the debrief shouldn't say "you never
    # held the boundary" after three typed refusals matched to holding it (a participant trial).
    # Not the fallback's: it takes any readable reply, matched to nothing in particular.
    credited = (
        ()
        if chosen.fallback
        else tuple(
            k
            for k in chosen.skills
            if k not in DETECTABLE
            and k in COMPONENTS
            and not COMPONENTS[k].negative
            and not _belied(k, analysis, text)
        )
    )
    yes = yes_here and _gives_in(chosen)
    return chosen.id, [
        Feedback(
            choice_id=chosen.id,
            said=said,
            # a yes to using is giving in, whatever its tone: "ok one shot for the birthday then
            # im done" was told "The frustration comes through loud and clear" (a trial)
            style=P if yes else analysis.style,
            # and shows no skill: "ok see u at 9" to a dealer was ticked for DEAR MAN's Describe;
            # the debrief's "Watch for" names it, and a no said before it isn't a broken record
            skills=(GAVE_IN,) if yes else components(analysis.markers),
            text=YES_FEEDBACK if yes else coach_feedback(analysis, looks_for),
            credited=() if yes else credited,
        )
    ]
