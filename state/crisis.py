"""Crisis-language detector run on every message a participant types.

Why a lexicon and not a model: it must run before anything else, in every state, in well
under a millisecond, with no network and no ML dependency, and clinicians must be able to
read, review and version every rule (clinical.md 3.8: "keep the detector lexicon versioned
and tested"). It is tuned for recall: a false alarm pauses a role-play, a miss can cost a
life. It never returns or logs any of the user's text, only rule ids.

Pipeline: ``normalise`` (NFKC, lower case, strip zero-width/control chars, unify
apostrophes, expand contractions, undo leetspeak, collapse repeated letters, fix frequent
typos and slang) -> neutralise "safe figures of speech" -> try rules from the most to the
least severe tier, skipping matches that are negated ("I don't want to die") or that speak
of the past in their own clause ("my dad beat me as a kid": a participant may well rehearse
telling a parent that) unless the message says it goes on or the danger is here now.

Because repeated letters are collapsed ("diieee" -> "die", but also "kill" -> "kil"), every
pattern below is written in ordinary spelling and collapsed the same way by ``_rx`` at import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import re2

from state.prefilter import Prefilter

LEXICON_VERSION = "2026.12.35"
CATEGORIES = ("suicide", "self-harm", "overdose", "danger-from-others", "harm-to-others")


CARD, ASK = "card", "ask"  # the two responses: the crisis card at once, or a direct question


@dataclass(frozen=True, slots=True)
class CrisisResult:
    """What screening found. `crisis` is true for both actions; the rules alone set no action."""

    crisis: bool
    category: str | None
    tier: int | None
    rule: str | None
    action: str | None = None  # CARD, ASK or None
    score: float = 0.0  # the model's probability that the message is a crisis
    model: str | None = None  # the model version that scored it
    substances: bool = False  # alcohol or drugs named: the card adds a substance-use line
    someone_else: bool = False  # the danger told is another person's (`someone_else_in`)

    def as_dict(self) -> dict:
        return {
            "crisis": self.crisis,
            "action": self.action,
            "category": self.category,
            "tier": self.tier,
            "rule": self.rule,
            "score": round(self.score, 3),
            "model": self.model,
        }


NO_CRISIS = CrisisResult(False, None, None, None)

# --------------------------------------------------------------------------- normalisation

_RUN = re.compile(r"(?<!\\)([a-z])\1+")


def _collapse(s: str) -> str:
    """Collapse runs of one letter to a single letter (skipping regex escapes like \\bb)."""
    return _RUN.sub(r"\1", s)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(_collapse(pattern))


_APOSTROPHES = str.maketrans({c: "'" for c in "\u2018\u2019\u201b\u02bc\u02b9\u0060\u00b4\u2032"})
# (what is written, what it means, whole word or an ending); each scan runs only where its
# literal is in the text
_CONTRACTIONS = [
    (re.compile(rf"{start}{re.escape(short)}\b"), long, short)
    for short, long, start in [
        ("can't", "can not", r"\b"),
        ("won't", "will not", r"\b"),
        ("ain't", "am not", r"\b"),
        ("n't", " not", ""),
        ("'m", " am", ""),
        ("'re", " are", ""),
        ("'ve", " have", ""),
        ("'ll", " will", ""),
        ("'d", " would", ""),
    ]
]

# Leetspeak is undone in a run of letters, digits, @ and $ that holds both a letter and one of
# 013457@$ ("k1ll", "$uicide"), and nowhere else ("2024", "h2o" stay). One pass over each
# maximal run keeps this linear: a regex with a lookahead per run position rescanned the rest
# of the run from every position (0.3 s for one 4,096-letter word).
# A run of letters and digits holding a leet character (anchored at the run's start, so a run
# without one is passed over in one scan, not retried at each of its characters)
_LEET_RUN = re.compile(r"(?<![a-z0-9@$])[a-z0-9@$]*[013457@$][a-z0-9@$]*")
_LETTER = re.compile(r"[a-z]")
_LEET_CHAR = re.compile(r"[013457@$]")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_STRUCK = re.compile("[^\u0300-\u036f][\u0300-\u036f]*[\u0335\u0336\u0338][\u0300-\u036f]*")
_COMBINING = re.compile("[\u0300-\u036f]")
_NON_TEXT = re.compile(r"[^a-z0-9.,!?;:\s]+")
# control characters (U+0000-001F, U+007F-009F), each to a space by str.translate: several times
# faster than a regex substitution
_CONTROL_SPACE = dict.fromkeys([*range(0x00, 0x20), *range(0x7F, 0xA0)], " ")
# For ASCII text, whose every character str.translate then finds in the table (one it doesn't
# find costs a raised and caught KeyError, once per distinct character per call):
# - `_plain`'s first steps in one pass: control characters to spaces, upper case to lower, "`" to
#   an apostrophe (the one ASCII character of _APOSTROPHES)
_ASCII_PLAIN = {c: chr(c).lower() for c in range(128)} | dict.fromkeys(range(0x00, 0x20), " ")
_ASCII_PLAIN |= {0x7F: " ", ord("`"): "'"}
# - _NON_TEXT's characters each to a space (the regex makes a run one space; the spaces are made
#   single at the end)
_ASCII_NON_TEXT = {
    c: chr(c) if re.fullmatch(r"[a-z0-9.,!?;:\s]", chr(c)) else " " for c in range(128)
}
_FORMAT = re.compile(  # Unicode category Cf (format) plus surrogates
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)  # none of them ASCII

# Apostrophe-less contractions, texting slang and frequent typos (keys/values are collapsed).
_WORDS = {
    "wanna": "want to",
    "wana": "want to",
    "gonna": "going to",
    "guna": "going to",
    "finna": "going to",
    "imma": "i am going to",
    "ima": "i am going to",
    "gotta": "got to",
    "tryna": "trying to",
    "kms": "kill myself",
    "kys": "kill yourself",
    "myslef": "myself",
    "mysef": "myself",
    "myslf": "myself",
    "sucide": "suicide",
    "suicde": "suicide",
    "suiside": "suicide",
    "sucidal": "suicidal",
    "suicdal": "suicidal",
    "wnat": "want",
    "wnt": "want",
    "tonite": "tonight",
    "2nite": "tonight",
    "rn": "right now",
    "u": "you",
    "ur": "your",
    "im": "i am",
    "ive": "i have",
    "dont": "do not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "didnt": "did not",
    "doesnt": "does not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "aint": "am not",
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "youre": "you are",
    "whats": "what is",
    "thats": "that is",
    "ill": "i will",
    "alot": "a lot",
    "selfharm": "self harm",
    "overdosing": "overdose",
    # a dropped g, as many people type and say it ("savin my pills", "thinkin bout killin myself");
    # only words that are no other word ("cousin", "heroin" and "begin" stay)
    "savin": "saving",
    "killin": "killing",
    "cuttin": "cutting",
    "thinkin": "thinking",
    "plannin": "planning",
    "hurtin": "hurting",
    "takin": "taking",
    "tryin": "trying",
    "feelin": "feeling",
    "wantin": "wanting",
    "hidin": "hiding",
    "hangin": "hanging",
    "jumpin": "jumping",
    "shootin": "shooting",
    "burnin": "burning",
    "dyin": "dying",
    "livin": "living",
    "writin": "writing",
    "givin": "giving",
    "gettin": "getting",
    "keepin": "keeping",
    "countin": "counting",
    "buyin": "buying",
    "leavin": "leaving",
    "endin": "ending",
    "hittin": "hitting",
    "beatin": "beating",
    "chokin": "choking",
    "threatenin": "threatening",
    "followin": "following",
    "stalkin": "stalking",
    "drinkin": "drinking",
    "usin": "using",
    "stockpilin": "stockpiling",
    "swallowin": "swallowing",
    "sittin": "sitting",
    "holdin": "holding",
    "loadin": "loading",
    "lookin": "looking",
    "googlin": "googling",
    "researchin": "researching",
    "goin": "going",
    "doin": "doing",
    "abt": "about",
    "bout": "about",
}
_WORDS_AS_SPELLED = dict(_WORDS)  # for `fold`, which keeps double letters
_WORDS = {_collapse(k): _collapse(v) for k, v in _WORDS.items()}
# After _NON_TEXT a word (what \b bounds) is a run of [a-z0-9]: a split at the runs and one dict
# look-up each replaces the keys of _WORDS, faster than an alternation of 50 words tried at every
# position
_ALNUM_RUN = re.compile(r"([a-z0-9]+)")


def _unleet(m: re.Match[str]) -> str:
    run = m.group(0)
    if _LETTER.search(run) and _LEET_CHAR.search(run):
        return run.translate(_LEET)
    return run


def normalise(text: str) -> str:
    """Reduce a message to the canonical form every pattern is written against."""
    return _canonical(_plain(text))


def normalise_pair(text: str) -> tuple[str, str]:
    """(`normalise`, `fold`) of one message, the shared work done once."""
    plain = _plain(text)
    return _canonical(plain), _folded(plain)


def normalise_pairs(texts: list[str]) -> list[tuple[str, str]]:
    """`normalise_pair` of each text (a long message's sentences): the steps after `_plain`
    read all of them at once, joined by " | " (what `_plain` returns has no "|", and no step
    reads across a space: a word, a doubled letter, a stretched one never spans one), not once
    per sentence."""
    plain = " | ".join(map(_plain, texts))
    canonical = _canonical(plain).split(_PIECE)
    folded = _folded(plain).split(_PIECE)
    return [(n.strip(), f.strip()) for n, f in zip(canonical, folded, strict=True)]


_PIECE = "|"


def fold(text: str) -> str:
    """`normalise` without collapsing double letters: the words as a reader of English knows
    them ("kill", "pills", "good", where the patterns see "kil", "pils", "god"), for the word
    pieces' meaning. Runs of three or more letters still shrink ("nooooo" -> "no")."""
    return _folded(_plain(text))


def _plain(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    # Drop format chars (zero-width, bidi marks) and lone surrogates; control chars -> space.
    if t.isascii():  # none to drop: the next three steps in one translate
        t = t.translate(_ASCII_PLAIN)
    else:
        t = _FORMAT.sub("", t).translate(_CONTROL_SPACE).lower().translate(_APOSTROPHES)
        # a letter without its accent ("me pegó" -> "me pego", not "me peg"); a struck-through
        # letter ("n̶o̶t̶") is gone, as it was when its marks made it a gap
        t = _COMBINING.sub("", unicodedata.normalize("NFD", _STRUCK.sub("", t)))
    if "'" in t:  # most messages have none: skip nine scans
        for pattern, repl, literal in _CONTRACTIONS:
            if literal in t:
                t = pattern.sub(repl, t)
    t = t.replace("'", "")
    if _LEET_CHAR.search(t):  # every leet run holds one of these
        t = _LEET_RUN.sub(_unleet, t)
    return t.translate(_ASCII_NON_TEXT) if t.isascii() else _NON_TEXT.sub(" ", t)


_DOUBLES = [(c + c, c) for c in "abcdefghijklmnopqrstuvwxyz"]
# Which letters are doubled (_DOUBLED names their _DOUBLES), or whether any is tripled
# (_TRIPLED), in one RE2 pass over ASCII text: 26 scans of a long message by `in` cost more
_DOUBLED = re2.Set.SearchSet(re2.Options())
for _double, _ in _DOUBLES:
    _DOUBLED.Add(_double)
_DOUBLED.Compile()
_TRIPLED = re2.compile("|".join(c * 3 for _, c in _DOUBLES))


def _collapse_text(t: str) -> str:
    """`_collapse` of text `_plain` has read (no regex escapes in it): str.replace per doubled
    letter, twice as fast as the regex's step at every letter. Only the letters doubled in `t`
    (RE2 names them) are replaced: shrinking a run of one letter never makes or unmakes a
    double of another."""
    doubles = (
        _DOUBLES if not t.isascii() else [_DOUBLES[k] for k in sorted(_DOUBLED.Match(t) or ())]
    )
    for double, single in doubles:
        while double in t:
            t = t.replace(double, single)
    return t


def _canonical(t: str) -> str:
    return _spelled_out(_collapse_text(t), _WORDS, _SPELLED)


_STRETCH = re.compile(r"([a-z])\1\1+")


def _folded(t: str) -> str:
    if not t.isascii() or _TRIPLED.search(t):  # most text has no letter three times over
        t = _STRETCH.sub(r"\1", t)
    return _spelled_out(t, _WORDS_AS_SPELLED, _SPELLED_AS_SPELLED)


# what `_plain` leaves beside letters, digits and spaces, each to a space: a text's words (a
# full ASCII table, see _ASCII_PLAIN)
_PUNCTUATION_SPACE = {c: " " if chr(c) in ".,!?;:" else chr(c) for c in range(128)}


def _spelled_out(t: str, words: dict[str, str], memo: dict[str, str]) -> str:
    """Slang and typos replaced by what they mean (`words`), and the spaces made single;
    `memo` remembers each token's spelling for these `words`."""
    if words.keys().isdisjoint(t.translate(_PUNCTUATION_SPACE).split()):  # most: none to spell
        return " ".join(t.split())
    # token by token (a run of non-space characters: "dont" or "u,"), each spelled out once per
    # process: a word never spans a space, and what replaces one has single spaces inside
    remembered = memo.get
    return " ".join(
        [s if (s := remembered(w)) is not None else _spell_token(w, words, memo) for w in t.split()]
    )


def _spell_token(token: str, words: dict[str, str], memo: dict[str, str]) -> str:
    parts = _ALNUM_RUN.split(token)  # the words at odd indexes
    parts[1::2] = [words.get(w, w) for w in parts[1::2]]
    spelled = " ".join("".join(parts).split())  # str.split splits at what re calls \s
    if len(token) <= _TOKEN_LONGEST:  # never a 4 KB key
        if len(memo) >= _TOKEN_MEMO:  # unbounded input mustn't grow memory
            memo.clear()
        memo[token] = spelled
    return spelled


_TOKEN_LONGEST, _TOKEN_MEMO = 100, 50_000  # tokens longer are never remembered; how many are
_SPELLED: dict[str, str] = {}  # token -> its spelling by _WORDS
_SPELLED_AS_SPELLED: dict[str, str] = {}  # and by _WORDS_AS_SPELLED


# ------------------------------------------------------------------ safe figures of speech
# Removed before matching: idioms that contain crisis words but are (almost) never crisis.
# Deliberately narrow: anything with a first-person plan stays visible to the rules.
_SAFE = [
    _rx(r"\b(would|d) rather die than\b"),
    _rx(r"\bdie (of|from) (embarrassment|laughter|laughing|boredom|shame|cringe|cuteness)"),
    _rx(r"\b(dying|died|die) (laughing|of laughter)"),
    _rx(r"\bdying (to|for)\b"),
    _rx(r"\b(would|will|could) die for (my|you|her|him|them|this|that)\b"),
    _rx(r"\bdead (tired|serious|on my feet|lol|ass)\b"),
    _rx(r"\bdrop dead\b"),
    _rx(r"\b(is|are|am|be|s|re|keeps|keep) killing (me|it)\b"),
    _rx(r"\bkilling it\b"),
    _rx(r"\b(kill|killed|kills) it\b(?! al)"),
    _rx(r"\bkill (for|the lights|the music|time|two hours|an hour|some time|this)\b"),
    _rx(
        r"\b(kill|murder)( me| him| her| them| my \w+)? if (i|he|she|they|we|you) "
        r"(am |is |are |was |were |s |m |re |get |gets )?late\b"
    ),
    _rx(r"\bkilled (it|me|two|an|some|the)\b"),
    _rx(r"\b(joke|song|set|show|he|she|you) killed\b"),
    _rx(r"\bthe death of me\b"),
    _rx(
        r"\b(overdose|overdosed|od|oded) on (coffee|caffeine|sugar|chocolate|candy|netflix|tv|"
        r"memes|pizza|carbs|cake|sleep|cookies|work|screen time)"
    ),
    _rx(r"\bcut (back|down|the|costs|class|ties|it out|my hair|his hair|her hair)\b"),
    _rx(r"\b(hit|hitting|hits) (me )?up\b"),
    _rx(r"\b(cut|cutting|cuts) myself (some slack|a break|off|loose|short)\b"),
    _rx(r"\b(burn|burning|burned|burnt|burns) myself out\b"),
    _rx(r"\b(kill|killing|kills) myself (studying|working|at work|at the gym|with work)\b"),
    _rx(r"\bhit the (nail|road|gym|sack|hay)\b"),
    _rx(
        r"\b(burn|burned|burnt|cut|hurt) myself (on the|on a|cooking|shaving|at the gym|"
        r"at work|lifting|playing|by accident|accidentally|chopping)"
    ),
    _rx(r"\bshoot (my shot|a video|a photo|hoops|some hoops|pool|the breeze|me a text)"),
    _rx(
        r"\b(suicide|overdose) (prevention|awareness|hotline|lifeline|rates?|statistics|"
        r"training|documentary|movie|film|book|song|podcast)"
    ),
    _rx(r"\b(life and death|life or death)\b"),
    _rx(r"\b(end|ending) (it|things) (here|with)\b"),
    _rx(r"\bcan not go on (with|to|a|the|vacation|holiday|tour|trip|like that about)\b"),
]
_SAFE_TOKEN = " ~ "
_SAFE_ANY = re.compile("|".join(f"(?:{p.pattern})" for p in _SAFE))

# Laughter markers defuse kill/murder talk about *other people* ("gonna kill my sponsor lol"),
# never self-directed talk: people do type "i want to die lol" and mean it.
_LAUGH = _rx(r"\b(lol|haha|hah|lmao|lmfao|jk|just kidding|kidding|ja(ja)+|je(je)+)\b")
# The model's laugh cue, unless the message says it isn't a joke ("lol guess i'll just die, for
# real tho"): then the laughter is nervous, not a punchline, and "kidding" in "not kidding" is
# no laugh at all (`cues`). Not the everyday intensifiers ("i swear", "no cap", "fr fr", "not
# lying"): "i swear ill kill him lol he spoiled the finale" is still a joke.
_SINCERELY = (
    r"(not (joking|kidding)|no (joke|kidding)|not even (joking|kidding)|i am (serious|dead "
    r"serious|being serious|not joking)|i mean it|deadass|for real (tho|though|this time)|"
    r"seriously (tho|though))"
)
_SINCERE = _rx(r"\b" + _SINCERELY + r"\b")
# "i'll just die", not as hyperbole, which goes on with what would cause it ("die if she saw",
# "die of shame", "die for a pizza", "die happy"); "die for real" does not.
_I_WILL_DIE = (
    r"\bi (am going to|will|would|might|could|should) (just |probably |literally )?(die|be "
    r"dead)\b(?! (if|of|from|when|happy|laughing|before)\b| for (?!real))"
)

# A tier-2 hit plus an immediacy/means word is escalated to tier 1 (plan, means or now).
_IMMINENT = _rx(
    r"\b(tonight|today|right now|now|this weekend|tomorrow|in an hour|at once|ago|pills|gun|"
    r"rope|knife|bridge|bottle|scared|terrified)\b"
)

# Words that, just before a hit in the same clause, negate it ("i am not going to hurt myself").
_REAL_THREAT = _rx(
    r"\b(gun|guns|knife|knives|weapon|pistol|rifle|tonight|right now|scared|terrified|afraid|"
    r"not safe)\b"
)
_NEGATORS = frozenset({"not", "never", "no", "nobody"})
# A "no" before a subject answers or interjects ("no i just want to die", "no my dad hits me"):
# it negates nothing after it, and what follows starts a clause of its own. A determiner "no"
# comes before a noun ("no reason", "no one"), never before one of these.
_AFTER_INTERJECTION = frozenset(
    map(
        _collapse,
        (
            "i", "he", "she", "they", "we", "you", "u", "it", "this", "that", "my", "no",
            "just", "honestly", "actually", "seriously", "really", "tbh", "ngl", "fr", "lol",
        ),
    )
)  # fmt: skip
# A verb of stopping just after a negator is all it negates, as "ok" is in "not ok": what
# follows goes on ("can't stop thinking about it", "haven't stopped cutting", "couldn't help
# wanting to die"). Where the stopping is a rule's own first word ("never stop wanting to
# live"), the negator negates the hit: `_scope_start` never closes a scope at the hit.
_PERSISTING = frozenset(
    map(
        _collapse,
        ("stop", "stops", "stopped", "stopping", "quit", "quits", "quitting", "help", "shake"),
    )
)
# A negator closed by one of these is a whole statement ("im not ok i want to die"): its
# scope ends there unless the next word carries it on ("not ok with", "not good at").
_CLOSING = frozenset(map(_collapse, ("ok", "okay", "fine", "good", "alright", "great", "safe")))
_CARRIES_ON = frozenset(
    map(_collapse, ("with", "about", "at", "to", "for", "around", "enough", "that", "being"))
)
_CLAUSE = re.compile(_collapse(r"[.,!?;:~]|\b(but|and|though|although|because|cause|so|yet)\b"))
# Words that keep a past marker from making a hit history, anywhere in the message ("as a kid
# i wanted to die, i still do"); and, in the hit's own clause, that it is now ("he beats me now").
_ONGOING = _rx(
    r"\b(still|again|these days|lately|anymore|any more)\b|\b(urge|urges|thoughts|craving|"
    r"cravings|feeling|feelings) (is|are|came|has come|have come|keeps coming|keep coming|is "
    r"coming|are coming) back\b"
)
_NOW = _rx(r"\b(now|every|keeps|keep|always)\b")
# A past marker before (or inside) the hit, in its clause. "i am used to it" is not one.
# The lookbehinds follow "used to" rather than precede it: `re` then tries them only where
# "used to" is, not at every position of the message.
_PAST = _rx(
    r"\bused to\b(?<!\bam used to)(?<!\bbe used to)(?<!\bget used to)(?<!\bgot used to)"
    r"(?<!\bso used to)|\b(years ago|in the past|"
    r"long time ago|when i was (a kid|a child|little|small|young|younger|a teen|a teenager|in "
    r"school|in high school)|as a (kid|child|teen|teenager)|growing up|in my childhood)\b"
)
# After the hit only childhood counts ("my dad beat me as a kid"), never "used to": "i want to
# overdose like i used to" is now.
_CHILDHOOD = _rx(
    r"\b(when i was (a kid|a child|little|small|young|younger|a teen|a teenager)|as a (kid|"
    r"child|teen|teenager)|growing up|in my childhood)\b"
)
# After the hit, in its clause, a time long past too ("i tried to end it all years ago").
_LONG_AGO = _rx(r"\b(years ago|decades ago|long ago|a long time ago)\b")
# Or a year three or more before the lexicon was written (a later one may be this year), not a
# dose ("in 2000 mg"), where all that follows it is the writer's own recovery, told plainly and
# briefly ("i was suicidal in 2019, doing way better now", "i overdosed in 2018, 5 years clean
# now"). Anything else after the year keeps the hit: a list of words that undo a recovery
# leaks ("im not better", "better off gone", "therapy didnt help", "he's in recovery and just
# moved in next door", two reviews), a whole tail that must match does not.
_BACK_IN = _rx(
    r"\b(in|back in) (19\d\d|20[01]\d|202[0-3])\b(?! ?(mg|mgs|mcg|ml|g|grams?|milligrams?|tabs?|"
    r"tablets?|pills|caps|capsules|bars|units|x)\b)"
)
_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_RECOVERED_TAIL = _rx(
    r" ?[,.]? ?(and |but |so )?(now ?,? )?(i am |i have been |been )?("
    r"(doing |feeling )?(way |much |so much |a lot )?(better|good|fine|ok|okay|well)"
    r"|" + _NUMBER + r" (years?|yrs?|months?) (clean|sober)"
    r"|clean|sober|in recovery|a peer (counselor|support specialist|mentor)"
    r"|(clean|sober) (ever )?since"
    r"|(therapy|treatment|recovery) (helped|saved me|worked)"
    r")( now)? ?[.!]*"
)
# A later clause that takes the act up again makes the past a prelude, not history ("i tried
# to kill myself years ago and i'm going to finish it this time").
_PRELUDE = _rx(
    r"\b((finish it|finish the job|do it right|get it right|do it for real) (this time|for good|"
    r"tonight|once and for all))\b"
)
# A hit that says what someone means to do is never history ("i'm going to end my life like
# i almost did when i was a teen").
_INTENT = _rx(r"\b(going to|gonna|want to|wanna|will|about to|plan to|planning to|ready to)\b")

# ------------------------------------------------------------------------------- the rules
_ME = r"(my ?self|me self)"
_I_INTENT = (
    r"(going to|want to|will|about to|plan to|planning to|ready to|trying to|try to|need to|"
    r"gonna|decided to|thinking about|thinking of|keep thinking about|fantasize about|"
    r"urge to|urges to|could|wish i could|feel like)"
)
_VIOLENT = (
    r"(kill|killing|murder|murdering|stab|stabbing|shoot|shooting|strangle|strangling|choke|"
    r"choking|beat|beating|hurt|hurting|attack|attacking|run over|bash|smash)"
)
_VICTIM = (
    r"(him|her|them|someone|somebody|everyone|everybody|anyone(?! s\b)|people|"
    r"my (?!(chances|feelings|back|knee|career|reputation|recovery|progress|shot|buzz|vibe)\b)"
    r"\w+|that (guy|man|woman|bitch|bastard|asshole)|the (guy|man|woman|dealer|landlord|boss))\b"
)
_DRUGS = (
    r"(pills|pill|meds|medication|medications|tablets|bottle|xanax|oxy|oxys|percs|bars|"
    r"painkillers|tylenol|advil|insulin|sleeping pills|heroin|fentanyl|dope|everything in the "
    r"(medicine )?cabinet|cabinet)"
)
# Medications by name, beside `_DRUGS`'s kinds: what a lethal dose is looked up for
# (s_dose_search), and with the rest of `_MEDS` what an overdose takes or saves
_MED_NAMES = (
    r"lithium|seroquel|adderall|klonopin|ativan|ambien|benadryl|ibuprofen|aspirin|acetaminophen|"
    r"morphine|methadone|lexapro|zoloft|prozac|wellbutrin|trazodone|gabapentin|oxycodone|vicodin|"
    r"norco"
)
_MEDS = (
    "(" + _DRUGS[1:-1] + "|" + _MED_NAMES + r"|valium|lyrica|percocet|suboxone|nyquil|aleve|"
    r"motrin|lamictal|lamotrigine|effexor|cymbalta|abilify|zyprexa|depakote|tramadol|hydrocodone|"
    r"dilaudid|benzos|opioids)"
)

# A count of pills: a whole number, not a dose ("12.5 mg") or money ("10,000"), nor the one
# to four that a label allows
_PILL_COUNT = (
    r"(?<![\d.,])(\d{2,}|[5-9]|ten|twelve|fifteen|twenty|thirty|forty|fifty|sixty|a "
    r"hundred)(?![.,]\d)"
)

# A firearm, not a glue, nail, nerf or tattoo gun (lexicon 2026.12.21)
_GUN = (
    r"(gun|pistol|revolver|handgun|shotgun|rifle|glock|12 gauge|twelve gauge|20 gauge|9mm|9 mm|"
    r"ar 15|ar15|ak 47|ak47)"
)
_GUN_WORDS = (  # up to two words before the gun, none a tool's
    r"( (?!(glue|nail|staple|caulk|nerf|water|squirt|massage|tattoo|heat|spray|paint|toy|bb|"
    r"airsoft|paintball|foam|radar|grease|riding|rode)\b)\w+){0,2}?"
)
_OWNER = r"(?!(his|hers|its|this|was|is)\b)\w+s"  # "my dad's" gun, not his: the dfo rules'
_GUN_SPORT = (
    r"(range|gun range|hunting|hunt|deer|duck|turkey|elk|skeet|clays|coyote|target practice|gun "
    r"safe|lockbox|lock box|riding|rode)"
)
# One's own gun readied: loaded, cocked, held, sat with. Not his or hers (that is danger from
# someone, the dfo rules'), not in a clause about the range or hunting, not a safety plan's
# "my wife is holding my gun until i finish iop".
_GUN_READIED = (
    r"(?<!\bhe )(?<!\bshe )(?<!\bthey )(?<!husband )(?<!\bwife )(?<!friend )(?<!\bdad )"
    r"(?<!father )(?<!\bex )(?<!partner )(?<!\bmom )(\b(loaded|cocked|chambered "
    r"a round in) (my|the|a|"
    + _OWNER
    + r")"
    + _GUN_WORDS
    + r" "
    + _GUN
    + r"|\b(a|my|the) loaded "
    + _GUN
    + r"|\b"
    + _GUN
    + r" (is|s) (loaded|cocked)|\b(have|got) (the|my|a) "
    + _GUN
    + r" loaded|\b"
    + _GUN
    + r"\b[^.!?,;]{0,40}\band (loaded|cocked) it|\b(holding|held|sitting with|sat with|"
    r"sitting here with|staring at|stared at|"
    r"lying with|laying with) (my|the|a|"
    + _OWNER
    + r")"
    + _GUN_WORDS
    + r" "
    + _GUN
    + r")\b(?! (permit|"
    r"license|lock|case|instructor|class|show|counter|shop|store))(?![^.!?]*\b"
    + _GUN_SPORT
    + r"\b)(?![^.!?]{0,30}\b(for me|until i|till i|since (detox|rehab|treatment)|while i)\b)"
)
# "SI" for suicidal ideation, where Spanish "si" (yes, if), the SI joint and a magazine can't
# stand; "HI" for homicidal ideation, not a greeting, a meter's reading or Hawaii
_SI = (
    r"\b(having|had|have|getting|experiencing|struggling with|dealing with|passive|active|"
    r"intense|strong|bad) si\b(?! joint)|\bmy si (is|was|has|have|keeps|got|gets)\b|(?:^|(?<=[.,!?]"
    r" )|(?<=\bthe )|(?<=\band )|(?<=\bbut )|(?<=\bmore )|(?<=\bsome )|(?<=\bbad )|(?<=\bof ))si "
    r"(thoughts|urges|is back|came back|has been|is bad|is loud|is strong)\b|"
    # "current ideation", as a chart says it (a participant trial); not "no ideation"
    r"\b(current|active|passive|having|increased|increasing|worsening|worse|strong|constant|"
    r"daily|recurring|recurrent) ideation\b"
)
_HI = (
    r"\b(i am|i feel|feeling|feel|been|get|getting|i was|felt) (so |really |very |kind of |"
    r"kinda |pretty )?homicidal\b|\bhomicidal (thoughts|ideation|urges|feelings)\b|\b(having|"
    r"experiencing|passive|active|intense|strong) hi\b(?! (c|chew|readings?|hopes|five|res)\b)|"
    r"\bhi (thoughts|urges) (about|toward|towards|of|against|again)\b|\bhi (toward|towards|"
    r"against) (my|him|her|them|the|that|this)\b"
)
# Pills counted until there are enough, or enough put away: not the week's count for the
# organizer, running short, a refill, or a hurricane kit
_COUNTED_ENOUGH = (
    r"(?<!pharmacist )(?<!nurse )\b(counted|counting|count|recounted) (out )?(my |the |all my |"
    r"all the )?" + _MEDS + r"\b(?:(?!\b(for the|refill|pharmacy|organizer|pill box|pillbox|"
    r"not|no|never|short|make sure|nurse|pharmacist)\b)[^.!?]){0,40}\b(enough|plenty|more than "
    r"enough)\b(?!( \w+){0,2} (until|til|thru|through|to last|to get|to make it|to cover|left|"
    r"for (the|this|next|a|my|each|every) (week|month|weekend|trip|days?|refill|appointment))\b)"
    r"|\b(enough|plenty of) " + _MEDS + r" (saved|saved up|stored|put away|stashed|hidden|hid|"
    r"set aside)\b(?! in case\b)(?! (for|in case of|during|before) (the |a |an )?(hurricane|"
    r"storm|evacuat\w*|"
    r"trip|vacation|travel|emergenc\w*|power outage|winter|season))"
)
# Someone else into the medication or a poison: a child, a grandparent, a roommate
_SOMEONE = (
    r"(son|stepson|daughter|stepdaughter|kid|kids|baby|toddler|child|teen|grandson|granddaughter|"
    r"grandbaby|nephew|niece|little one|(\d+|one|two|three|four|five) (year|yr|month) old|\d+ ?yo|"
    r"grandma|grandpa|grandmother|grandfather|roommate|husband|wife|partner|fiance|boyfriend|"
    r"girlfriend|friend|best friend|bestie|brother|sister|cousin|aunt|uncle|sponsee|mom|dad|"
    r"mother|father)"
)
# Someone one looks after or lives with (a pet's dose is the vet's question); lexicon 2026.12.25
# folded its own list into _SOMEONE's
_KIN = r"my " + _SOMEONE
# What is handed over, said of it (s_finality)
_HANDED = r"(it|them|this|that|any of (it|this|that|them))"
# Someone else's own death, meant or feared (s_someone_else); not "killing himself laughing"
_THEIR_END = (
    r"((kill|killing) (himself|herself|themselves|themself)(?! laughing)|(end|ending) (his|her|"
    r"their) (own )?life)"
)
# Wanting to join someone (s_join_the_dead): not "don't want to", not "be with her family"
_JOIN = (
    r"(?<!not )\b(want|wanna|wish i could|am ready|just want) (to )?(join|be with) (him|her|"
    r"them)( again| forever| soon| now)?(?! \w)"
)
# ... beside a death told
_DIED = (
    r"\b(died|passed|passed away|killed (himself|herself|themself)|took (his|her|their) "
    r"own life|is gone|funeral|grave|overdosed)\b"
)
_SWALLOWED = (
    r"(pills|pill|meds|medicine|medication|medications|tablets|xanax|oxy|percs|painkillers|"
    r"tylenol|insulin|sleeping pills|heroin|fentanyl|methadone|suboxone|adderall|klonopin|"
    r"seroquel|lithium|bleach|antifreeze|detergent pods?|laundry pods?|tide pods?|dishwasher "
    r"pods?)"
)
_SOMEONE_INTO = (
    r"\b" + _SOMEONE + r" (got into|got ahold of|got a hold of) (some of |a bunch of |a few of |"
    r"all of |all |a handful of |half of )?(my|her|his|the|our|their|a|an|\w+s)( \w+){0,2}? "
    + _SWALLOWED
    + r"\b|\b"
    + _SOMEONE
    + r" (ate|swallowed|drank|chewed) ((some|a bunch|a few|"
    r"all|a handful|half|one|two|three|several) of (my|her|his|the|our|their|\w+s)|all (my|her|"
    r"his|the)|my|our|the|"
    + _OWNER
    + r"|a|an|some)( \w+){0,2}? "
    + _SWALLOWED
    + r"\b|\b(son|daughter|kid|"
    r"baby|toddler|child|grandson|granddaughter|nephew|niece|little one) (got into|ate|"
    r"swallowed|chewed) (\w+ ){0,4}edibles\b"
)
# Code-switched Spanish, as US participants type it (accents folded by `_plain`). Negation is
# the pattern's own: "no aguanto mas, me quiero morir" is no denial, "nunca voy a matarme" is.
# Not the hyperbole ("me muero de risa", "me voy a matar estudiando", "me pegó la gripe").
_ES_NOT_BEFORE = r"(?<!\bno )(?<!\bnunca )(?<!\bjamas )"
_ES_HYPERBOLE = (
    r"(?! (de|del) (la |el )?(risa|verguenza|pena|hambre|sed|frio|calor|sueno|cansancio|"
    r"aburrimiento|coraje|nervios|envidia|ganas|amor|trabajo|estres)\b| (estudiando|trabajando|"
    r"en el (gym|gimnasio|trabajo))\b| viej\w+\b| en mi (casa|tierra|pais)\b)"
)
_ES_SELF = (
    r"\b" + _ES_NOT_BEFORE + r"(me quiero|quiero|quisiera|me quisiera|ganas de) (morir|morirme|"
    r"estar muert[oa])\b" + _ES_HYPERBOLE + r"|\b" + _ES_NOT_BEFORE + r"(quiero|voy a|pienso|"
    r"pensando en|ganas de|me dan ganas de|deseo) (matarme|suicidarme|quitarme la vida|"
    r"ahorcarme)\b" + _ES_HYPERBOLE + r"|\b" + _ES_NOT_BEFORE + r"me (quiero|voy a) (matar|"
    r"suicidar|quitar la vida|ahorcar)\b" + _ES_HYPERBOLE + r"|\bno (quiero|quisiera) (vivir|"
    r"seguir viviendo|existir|despertar|estar vivo|estar viva)\b(?! (con|en|aqui|ahi|alli|"
    r"cerca|lejos|solo|sola|temprano)\b)|\bsi me (deja|dejas|dejan) me (ahorco|mato)\b"
)
_ES_SELF_HARM = (
    r"\b" + _ES_NOT_BEFORE + r"me (corte|corto|cortaba|volvi a cortar|estoy cortando)\b(?! (el|"
    r"la|los|las|un|una|mi|mis) (pelo|cabello|unas|dedo|dedos|fleco|flequillo|barba|mano|pie|"
    r"lengua|labio)\b)(?! (cocinando|con (el|un|una|la) (papel|hoja|lata|vidrio))\b)|\b"
    + _ES_NOT_BEFORE
    + r"(quiero|ganas de|voy a|tengo ganas de) (cortarme|lastimarme|quemarme|"
    r"hacerme dano)\b|\bme (queme|quemo|lastime|lastimo) a proposito\b"
)
_ES_HARM_OTHERS = (
    r"\b" + _ES_NOT_BEFORE + r"(lo|la|los|las) (voy a|vamos a|quiero|voy a ir a) (matar|"
    r"apunalar|balear|quemar)\b|\b" + _ES_NOT_BEFORE + r"voy a (matarlo|matarla|matarlos|"
    r"matarlas|matar a (ese|esa|mi|el|la))\b"
)
_ES_POISONED = (
    r"\b(nino|nina|hijo|hija|bebe|chiquito|chiquita|nieto|nieta) se (tomo|trago|comio|bebio) "
    r"(\w+ ){0,4}(pastillas|pildoras|medicina|medicinas|jarabe|cloro)\b|\b(abuela|abuelo|mama|"
    r"papa|esposo|esposa|hermano|hermana|amigo|amiga) se (tomo|trago) (todas|todas sus|un monton "
    r"de|muchas|el frasco de) (\w+ ){0,2}(pastillas|pildoras|medicinas)\b|\bme (tome|trague) "
    r"(todas|todas mis|un monton de|muchas|el frasco de) (\w+ ){0,2}(pastillas|pildoras|"
    r"medicinas)\b"
)
_ES_CHILDHOOD = r"\b(cuando era|de nin[oa]|de chiquit[oa]|hace (muchos )?anos)\b"


def _in_a_sentence_without(told: str, hit: str) -> str:
    """`hit` in a sentence where `told` (what makes it history) stands neither before it nor
    after it."""
    return r"(?:^|(?<=[.!?] ))(?:(?!" + told + r")[^.!?])*?(" + hit + r")(?![^.!?]*" + told + r")"


_ES_ABUSE = (
    _in_a_sentence_without(
        _ES_CHILDHOOD,
        r"(?<!\bse )(?<!\bnunca )(?<!\bsol )(?<!\bluz )(?<!\bjamas )\b(me|nos) (pego|pega|pegaba|"
        r"pegan|pegaron|golpeo|golpea|golpeaba|golpean|golpearon|ahorcaba|ahorcaron)\b(?! (la|el) "
        r"(gripe|gripa|cruda|resaca|covid|cancion|depre\w*|ansiedad|gana|costumbre)\b| (un|una) "
        r"(susto|grito|gritazo|regaderazo|bano|siesta)\b| (duro|fuerte|horrible|feo|gacho|bien)\b|"
        r" (su|sus) \w+)",
    )
    + r"|\b(dijo|dice|grito|me grito|me dijo|amenazo|jura) que (me|nos) (va|van|iba|iban) a "
    r"matar\b|\b(me|nos) (va|van|iba|iban) a matar (si|cuando) ((lo|la|le|los) (dejo|deja|"
    r"dejas|dejamos)|me (voy|separo|divorcio)|(llamo|hablo) a la policia)\b|\bme ahorco "
    r"(hasta|con|otra vez|anoche|ayer)\b|\bme (amenazo|amenaza|amenazaba) con (matarme|"
    r"pegarme|quitarme)"
)
# What a command hallucination is said by ("the voices keep telling me to ...").
_VOICES = (
    r"(voice|voices|my head|my brain|the thoughts?) (is |are |keeps? |keep on |has been |have "
    r"been |been |just |still )?(telling|tell|tells|saying|says|say|whispering|screaming)"
)
# What they tell one to do to oneself (not "end it with him", "cut corners", "die my hair").
_TO_ONESELF = (
    r"(kill (" + _ME + r"|me)\b|end it(?! with| all with| between| off)\b|end (my life|it all)"
    r"\b(?! with)|hurt " + _ME + r"|cut (" + _ME + r"|my (wrists?|arms?|legs?|skin|thighs?))\b|"
    r"jump (off|from|in front of)\b|die\b(?= *($|[.,;!?]| already| now| tonight| today| and| "
    r"but| so))|kill yourself)"
)
# A time that makes a past act now: last night, on sunday, two weeks ago (not "years ago").
_DAY = r"(mon|tues|wednes|thurs|fri|satur|sun)day"
_RECENT = (
    r"(last (night|nite|month)|lastnight|yesterday|yday|yest|(this|this past) (morning|"
    r"afternoon|evening|week|weekend|month|am)|earlier( (today|tonight|this week))?(?! (in|on)"
    r"\b)|today|tonight|last (week|weekend|" + _DAY + r")|(on )?" + _DAY + r"( (night|nite|"
    r"morning|afternoon|evening))?|(over|at|on) the weekend|the night before last|(an|a|one|two|"
    r"three|four|five|six|a few|few|a couple of|a couple|couple|\d+) (hours?|hrs?|days?|nights?|"
    r"weeks?) ago|just now|minutes ago)"
)
_NOT_BEFORE = r"(?<!not )(?<!never )"  # "i did not try to..." (normalised: no contractions)
# An attempt said outright, first person: a friend's is no rule's ("she tried to kill herself");
# not the idioms ("tried to jump back into work", "drown myself in work", "end it early")
_ATTEMPTED = (
    r"(" + _NOT_BEFORE + r"(tried|attempted|trying) (to )?(kill|hang|shoot|stab|suffocate|"
    r"strangle|off) " + _ME + r"|(i (have |had )?|^|[.!?,;] )" + _NOT_BEFORE + r"(tried|"
    r"attempted) to (end (it all|my life|everything|things)|end it(?! (early|with|for|at|there|"
    r"here|off)\b)|overdose|od|jump (off|from|in front of)|take my (own )?life|commit suicide)|"
    r"i (have |had )?" + _NOT_BEFORE + r"(attempted|tried) suicide|i (have )?made (a suicide "
    r"attempt|an attempt on my (own )?life)|my suicide attempt)"
)
# "attempt" alone, as people in treatment say it ("i attempted last night", "after my
# attempt monday"): the question, not the card ("my first attempt failed today")
_ATTEMPT_WORD = (
    r"((i (have |had )?|^|[.!?,;] )" + _NOT_BEFORE + r"attempted(?=$| ?[.,!?;]| (on|last|this|"
    r"yesterday|today|tonight|again|" + _DAY + r")\b)|(i (have |had )?|^|[.!?,;] )made (an|a "
    r"real|another|my) attempt(?!( \w+){0,3} (at|to)\b| on (the|a|my (?!life|own)))|my (last "
    r"|latest |first |second )?attempt(?!( \w+){0,2} (at|to)\b))"
)
# What makes a dated attempt history or talk about it: an anniversary, a year, the telling
_TOLD = (
    r"\b(since|anniversary|marks|marked|years? ago|ago in|(19|20)\d\d|when i was|at (age )?\d\d|"
    r"in (high school|college|my teens|my twenties|my thirties)|(talked|talk|talking|spoke|"
    r"speak|shared|share|wrote|asked|ask) about|about (the time|when)|the time (i|when)|brought "
    r"up|bring up|went over|go over|history)\b"
)


def _dated_attempt(attempt: str) -> str:
    """`attempt` with a time that makes it now, in one sentence that tells no history."""
    gap = r"(?:(?!" + _TOLD + r")[^.!?]){0,60}"
    now, did = r"\b" + _RECENT + r"\b", r"\b" + attempt + r"\b"
    return _in_a_sentence_without(_TOLD, now + gap + did + "|" + did + gap + now)


_THEM = r"(he|she|they|someone|somebody|some guy|a guy|this guy|my [a-z]+(?: [a-z]+)?|him|her)"

# (rule id, category, tier, pattern, negatable). Tried in tier order; first match wins.
RULES: list[tuple[str, str, int, re.Pattern[str], bool]] = [
    # ---- tier 1: plan, means, preparation, happening now
    (
        "s_method_search",
        "suicide",
        1,
        _rx(
            r"\b(ways?|how|methods?|best way|easiest way) to (end (it|things|my life)|kill "
            + _ME
            + r"|die|commit suicide)\b"
        ),
        True,
    ),
    (
        # looking up how much of a drug it would take: a lethal dose researched, not said; the
        # question itself ("how much tylenol would it take to die") is s_lethality's, tier 3
        "s_dose_search",
        "suicide",
        1,
        _rx(
            r"\b(look|looked|looking|search|searched|searching|googled|googling|researched|"
            r"researching|read up on|reading up on|wondering|wondered|figured out|figuring out|"
            r"calculated|calculating|worked out|working out) (up )?how (many|much) (of )?(my |the "
            r"|those |these |his |her )?(\w+ )?((" + _DRUGS[1:-1] + r"|" + _MED_NAMES + r") (it "
            r"would take|would it take|would kill|would be lethal|is lethal|is a lethal dose)\b"
            r"(?! to (help|fix|treat|work|kick in|feel|sleep|calm))|(\w+ ){0,3}(would it take|it "
            r"would take|it takes|does it take|i would need|i need) to (die|kill (me|" + _ME + r")|"
            r"od|overdose|end it|not wake up)\b)"
        ),
        True,
    ),
    (
        # where a life is ended, said as where one is now
        "s_place_now",
        "suicide",
        2,
        _rx(
            r"\b(i am|im) (at|on|standing on|sitting on|lying on|laying on|walking on|walking "
            r"along) the (train |railroad |rail |subway )?(tracks|rails)\b|\b(i am|im) (standing|"
            r"sitting) on the (ledge|edge of the roof|railing|rail of the bridge|wrong side of the "
            r"(railing|rail|fence))\b"
        ),
        True,
    ),
    (
        "s_means",
        "suicide",
        1,
        _rx(
            r"\b(rope|noose) (is )?(ready|tied|up)\b|\b(have|got|bought|tied) (the|a) (rope|"
            r"noose)\b|"
            # "i have a plan and the means", not "the means to pay rent"
            r"\b(have|got)( both)? (a|the|my) (plan|means) and (i have |i got )?(a |the |my )?"
            r"(means|plan)\b(?!( \w+){0,2} (to|for|of) (?!(do it|die|end|kill)))|"
            r"\b(i|going to|want to|will|about to|ready to|plan to|planning to) (jump|jumping) "
            r"(off|from|in front of) (the|a|this|my)? ?(bridge|roof|building|balcony|ledge|cliff|"
            r"train|overpass|car)|" + _GUN_READIED
        ),
        True,
    ),
    (
        # an attempt told in the past tense is history ("i tried to hang myself at 19") unless
        # its sentence dates it now: "i tried to hang myself on sunday but the bar broke"; or
        # it failed just now ("the rope broke"), or one is back from the hospital after it.
        # Negation is the pattern's own ("nobody knows i tried..." is no denial).
        "s_attempt_recent",
        "suicide",
        1,
        _rx(
            _dated_attempt(_ATTEMPTED)
            + r"|\b"
            + _ATTEMPTED
            + r"\b[^.!?]{0,40}\b(the|my) (rope|belt|cord|bar|noose|branch|sheet|rail) (broke|"
            r"snapped|gave way|slipped|came loose)\b|\b(back from|out of|released from|discharged "
            r"from|home from) the (hospital|er|icu|psych ward|psych unit|emergency room)"
            r"( \w+){0,3} after (my|the) (suicide )?attempt\b"
        ),
        False,
    ),
    (
        "s_car_exhaust",  # sitting with a running engine in a closed garage: carbon monoxide
        "suicide",
        2,
        _rx(
            r"\b(sat|sit|sitting|stayed|waited|lay|lying|been) (in|inside) (the|my) "
            r"(car (in|inside) (the|my) )?garage\b[^.!?]{0,40}\b(car|engine|motor) (running|on)\b|"
            r"\b(hose|tube|pipe) (from|on|to|into) (the )?(exhaust|tailpipe)\b|"
            r"\bexhaust (into|in) (the|my) car\b"
        ),
        True,
    ),
    (
        "s_last_night",
        "suicide",
        1,
        _rx(r"\b(tonight|today) is my last (night|day)\b|\bmy last (night|day) (alive|on earth)\b"),
        False,
    ),
    (
        "s_preparation",
        "suicide",
        1,
        _rx(
            r"\b(wrote|writing|written|left|leaving|finished) (my |a |the )?(goodbye|suicide) "
            r"(note|notes|letter|letters|message|messages)\b|"
            r"\bgave away (all )?(my )?(things|stuff|belongings|possessions|everything)\b|"
            r"\bgiving away (all )?(my )?(things|stuff|belongings|possessions|everything)\b|"
            # "I'm giving my stuff away", said to a character (a participant trial, .27)
            r"\b(gave|giving|give) (all )?my (things|stuff|belongings|possessions) away\b"
        ),
        True,
    ),
    (
        "od_take_all",
        "overdose",
        1,
        _rx(
            r"\b(take|taking|took|swallow|swallowed|swallowing|down|downed|pop|popped|popping|chug|"
            r"chugged)( the| all)? (all|every|the whole|a whole|all of|the rest of|a bunch of|a "
            r"handful of|a lot of|too many|way too many|a ton of|my whole|everything)\b"
            r"( \w+){0,3}? " + _MEDS + r"\b"
            # "i took all my meds this morning like i'm supposed to" is adherence, not an overdose
            r"(?! (this morning|today|on time|as prescribed|like i am supposed|like im supposed|"
            r"like i was told|like (my|the) doctor|with (my )?(breakfast|lunch|dinner|food)|"
            r"for the day))"
            r"|\b(take|taking|took|swallow|swallowed) everything\b|"
            r"\b(took|swallowed|downed) (the|a) (whole|entire) (bottle|pack|box)\b"
        ),
        True,
    ),
    (
        # "i'd rather drink bleach than go" is hyperbole; drinking it is a poisoning
        "od_poison",
        "overdose",
        1,
        _rx(
            r"(?<!rather )(?<!rather just )\b(drink|drinking|drank|swallow|swallowed|swallowing|"
            r"chug|chugged|chugging) (some |a bottle of |a cup of |the )?(antifreeze|bleach|drano|"
            r"rat poison|weed killer|pesticide|lye)\b|" + _SOMEONE_INTO
        ),
        True,
    ),
    (
        "od_stockpile",
        "overdose",
        1,
        _rx(
            r"\b(saved|saving|stockpiled|stockpiling|hoarding|hoarded|collected|collecting) (up )?"
            r"(enough )?(of )?(my )?" + _MEDS + r"\b|" + _COUNTED_ENOUGH
        ),
        True,
    ),
    (
        "od_es",  # code-switched Spanish: a child into the medication, all the pills taken
        "overdose",
        1,
        _rx(_ES_POISONED),
        False,
    ),
    (
        "od_shoot_up_all",
        "overdose",
        1,
        _rx(r"\bshoot up (everything|all|way more|a lot more|the whole|more than)"),
        True,
    ),
    (
        "dfo_threat_kill",
        "danger-from-others",
        1,
        _rx(
            # a negator between them and the act ("he would never hurt me") denies it
            r"\b" + _THEM + r"\b(?:(?!\b(?:not|never)\b)[^.!?;~]){0,40}?\b(kill|kills|murder|"
            r"shoot|stab|strangle|choke|beat|hurt|rape|get|cut) me\b"
            # "cut me off", "cut me some slack": not a threat
            r"(?! (off|out|some|slack|a check|loose|short|in|a break|a deal))"
            # "shot me a look", "shot me an email": not a threat
            r"(?! (a|an|some) (look|glance|text|message|email|smile|wink|note|line|dm|pic|link))"
        ),
        True,
    ),
    (
        "dfo_threatened",
        "danger-from-others",
        1,
        _rx(
            r"\b(threaten|threatened|threatening|threatens) (me|to (kill|hurt|stab|shoot|beat|"
            r"strangle) me)\b|\bthreatening me\b|\b(pointing|waving|pulled) (a|his|her) (gun|"
            r"knife) "
            r"at me\b|\b(is|s|are) (after|coming for|hunting) me\b"
        ),
        True,
    ),
    (
        "dfo_unsafe",
        "danger-from-others",
        1,
        _rx(
            r"\b(not |un|not feel |not feeling |never feel )safe (at home|here|with (him|her|them|"
            r"my \w+)|around (him|her|them|my \w+)|in (my|this|our) (own )?(home|house|"
            r"apartment|room))\b|\b(scared|afraid|terrified|too scared) to go (back )?home\b|"
            r"\b(scared|afraid|fear|fearing|fearful) for my life\b"
        ),
        False,
    ),
    (
        "dfo_confined",
        "danger-from-others",
        1,
        # "locked me up" is confinement; "keeps me up at night" and "kept me in check" aren't
        _rx(
            r"\b(locked|locks|keeps|kept) me (in|inside)\b(?! (check|line|mind|the loop|touch|"
            r"shape|business|stitches))|\b(locked|locks) me up\b|\bwill not let me leave\b"
        ),
        True,
    ),
    (
        "hto_weapon_revenge",
        "harm-to-others",
        1,
        _rx(
            r"^(?=.*\b(make (him|her|them|you|everyone) pay|revenge|get even|regret it|"
            r"teach (him|her|"
            r"them) a lesson)\b)(?=.*\b(gun|knife|weapon|rifle|pistol|machete)\b)"
        ),
        False,
    ),
    # ---- tier 2: explicit wish or intent, active self-harm, abuse
    (
        # Command hallucinations: a voice telling the person to kill themselves is a risk on
        # its own ("kill yourself kill yourself" on a loop, too). Only a voice or one's head
        # telling one to do it to oneself: "my brain says jump ship", "cut corners", "die my
        # hair" are not it.
        "s_command_voices",
        "suicide",
        2,
        _rx(
            r"\b" + _VOICES + r" (at )?(me )?(to )?" + _TO_ONESELF + r"|"
            r"\bkill yourself\W+kill yourself\b"
        ),
        True,
    ),
    (
        "o_command_voices",  # the voices (never "my head": it tells people to beat records)
        "harm-to-others",
        2,
        _rx(
            r"\b(voice|voices) (is |are |keeps? |keep on |has been |have been |been |just |still "
            r")?(telling|tell|tells|saying|says|say|whispering|screaming) (at )?(me )?(to )?"
            r"(kill|murder|stab|shoot|strangle|choke|hurt|attack) (him|her|them|someone|somebody|"
            r"people|everyone|everybody|the baby|my (mom|dad|mother|father|wife|husband|partner|"
            r"girlfriend|boyfriend|roommate|neighbou?r|kids?|son|daughter|baby|brother|sister|"
            r"boss|family|coworker))\b"
        ),
        True,
    ),
    (
        "od_intent",
        "overdose",
        2,
        _rx(
            r"\b" + _I_INTENT + r" (overdose|od|o d)\b|\b(overdose|od) (on|with) (my|all|the|these|"
            r"those|some)\b|\bi (just )?(overdosed|oded)\b"
        ),
        True,
    ),
    (
        "od_until",
        "overdose",
        2,
        _rx(
            r"\b(use|using|drink|drinking|shoot up|shooting up|take|taking|get high|getting high)"
            r"[^.!?~]{0,30}?\b(until|till|til|so) i (do not|never|will not|can not|dont|pass out "
            r"and never|pass out and not) (wake|wake up)\b"
        ),
        False,
    ),
    (
        "od_to_death",
        "overdose",
        2,
        _rx(r"\b(drink|drinking|use|using|drug|drugging|dose|dosing) " + _ME + r" to death\b"),
        True,
    ),
    (
        # what a count of pills does, asked ("what happens if you take 30 benadryl", "what if i
        # took 30"); not a dose ("10 mg of melatonin"), a time or a count of anything else; a
        # child into the pills is `od_poison`'s
        "od_what_if",
        "overdose",
        2,
        _rx(
            r"\bwhat( (happens|would happen|will happen|is going to happen|happen)( to (you|"
            r"me))?)? (if|when) (you|i|someone|somebody|a person|" + _KIN + r") (take|takes|took|"
            r"swallow|"
            r"swallows|swallowed|eat|eats|ate|chew|chewed|snort|snorted|down|downs|pop|pops|"
            r"popped) (like |about |around |maybe |over )?("
            + _PILL_COUNT
            + r"( of (my|her|his|the|them|those|"
            r"these|your|their))?( \w+)? ("
            + _MEDS[1:-1]
            + r"|tabs|tablet)\b|"
            + _PILL_COUNT
            + r"( of them| at once| all at once)?(?= *($|[.,?!;]))|a (whole|full|entire) (bottle|"
            r"pack|box|sleeve|strip)\b|(all|half) (of )?(my|the|your|his|her|their|a|those|these)"
            r"( \w+)? (pils|bottle|meds|medication|medications|tablets|prescription)\b)"
        ),
        True,
    ),
    (
        "s_method_self",
        "suicide",
        1,
        _rx(
            r"\b(going to|gonna|will|want to|about to|ready to|plan to|planning to|decided to|"
            r"trying to|try to|need to) (shoot|hang|drown|poison|gas|electrocute|stab|suffocate) "
            + _ME
            + r"\b|\b(shoot|hang|drown|poison) "
            + _ME
            + r" (tonight|today|now|right now)\b"
        ),
        True,
    ),
    (
        "s_only_way",
        "suicide",
        2,
        _rx(
            r"\b(suicide|killing " + _ME + r"|ending (it|my life|it all)|dying|death) (is|seems|"
            r"feels|looks) (like )?(the|my) (only|last|best) (option|way|way out|answer|choice|"
            r"solution)\b"
        ),
        True,
    ),
    (
        "dfo_es",  # code-switched Spanish: hit, choked, threatened (lexicon 2026.12.21)
        "danger-from-others",
        2,
        _rx(_ES_ABUSE),
        False,
    ),
    (
        "hto_es",  # code-switched Spanish: to kill or hurt someone (lexicon 2026.12.21)
        "harm-to-others",
        2,
        _rx(_ES_HARM_OTHERS),
        False,
    ),
    (
        "sh_es",  # code-switched Spanish: cutting, burning, hurting oneself (lexicon 2026.12.21)
        "self-harm",
        2,
        _rx(_ES_SELF_HARM),
        False,
    ),
    (
        "s_es",  # code-switched Spanish: wanting to die, to kill oneself (lexicon 2026.12.21)
        "suicide",
        2,
        _rx(_ES_SELF),
        False,
    ),
    (
        "s_kill_myself",
        "suicide",
        2,
        _rx(
            r"\b(kill|killing|killed|kil) " + _ME + r"\b|\bkill yourself " + _ME + r"\b|"
            r"\bunalive\b|\b(take|taking|end|ending) my (own )?life\b|\bend (it all|everything)\b|"
            r"\bending (it all|everything)\b|\bcommit(ting)? suicide\b|"
            # a means done to oneself, not "shot myself in the foot", "drowning myself in work",
            # "gassing myself up", "shot myself an email"; an attempt told ("i tried to hang
            # myself at 19") is `s_attempt_recent`'s to date
            r"(?<!tried to )(?<!attempted to )\b(hang|hanging|hanged|shoot|shooting|drown|"
            r"drowning|electrocute|electrocuting|suffocate|suffocating) "
            + _ME
            + r"\b(?! (in|out|with|up|a|an|on|into|down|for)\b)"
        ),
        True,
    ),
    (
        "s_want_die",
        "suicide",
        2,
        _rx(
            r"\b(want|wanted|wish|wishing|ready|going|planning|deserve|hope|need) (to )?(die|"
            r"be dead)"
            r"\b|\bwish (i was|i were|i am|to be|i could be) (dead|never born|gone)\b|\bbetter off "
            r"dead\b|\bjust (want to )?be dead\b"
        ),
        True,
    ),
    (
        "s_no_live",
        "suicide",
        2,
        _rx(
            r"\b(do not|not) want to (live|be alive|exist|wake up)\b|\b(not|"
            r"never) want to (be alive|"
            r"wake up)\b|"
            # "i don't feel like living anymore", "i feel like dying": not "living with my parents"
            # or "dying of boredom", "after leg day"
            r"\b(do not|not|never) feel like (living|being alive)( anymore| any more| no more| "
            r"any longer)?\b(?! (with|in|at|near|on|like|here|there|through)\b)|\bi (just |"
            r"really )?feel like (dying|i want to die)\b(?! (of|from|laughing|after|when|if|"
            r"because|inside|on)\b)"
        ),
        False,
    ),
    (
        # Lexicon 2026.12.9, from the cross-validated misses: traffic and fire as a method,
        # "stopped wanting to live", "done with living", "tired of being alive".
        "s_method_traffic_fire",
        "suicide",
        2,
        _rx(
            r"\b(step|stepping|stepped|walk|walking|jump|jumping|throw "
            + _ME
            + r"|throwing "
            + _ME
            + r"|lie down|lay down) (out )?in front of (a|the|an|some) (train|bus|truck|semi|"
            r"car|subway)\b|\b(set|setting|light|lighting) " + _ME + r" on fire\b|"
            r"\b(walk|walking|step|stepping|run|running|jump|jumping) (out )?into (the )?"
            r"(traffic|oncoming traffic|highway)\b|\b(drive|driving|drove|crash|crashing) (my "
            r"car |the car |my truck )?(into|off) (a|the) (tree|wall|pole|bridge|cliff|river|"
            r"lake|guardrail|overpass|semi)\b|\bdrive into oncoming traffic\b"
        ),
        True,
    ),
    (
        # "end it" with a time; "end it with my girlfriend" is the model's to weigh
        "s_end_it_time",
        "suicide",
        2,
        _rx(
            r"\b(end|ending) it (all )?(tonight|this weekend|tomorrow|today|soon|for good|now|"
            r"this (week|friday|saturday|sunday))\b"
        ),
        True,
    ),
    (
        "s_done_living",
        "suicide",
        2,
        _rx(
            r"\b(stopped|stop|quit) wanting to (live|be alive|exist)\b|\b(done (with )?|(tired|"
            r"sick) of )(living|being alive)\b"
            # "done living with my parents", "tired of living paycheck to paycheck"
            r"(?! (like|in|with|at|out|paycheck|under|on|off|here|there|this|that|for|alone|"
            r"so|near|by|around|next))"
        ),
        True,
    ),
    (
        "sh_relapse",
        "self-harm",
        2,
        _rx(r"\b(relapsed|relapse|relapsing) (on|with|into) (sh|self harm|cutting)\b"),
        True,
    ),
    (
        # someone else's danger said now ("my son told me he wants to kill himself"): not what
        # they wanted once ("she wanted to die when dad passed"), not an attempt told
        "s_someone_else",
        "suicide",
        2,
        _rx(
            r"\b(" + _KIN + r"|he|she|they)( (says|said|told me|keeps saying|texted|texted "
            r"me|wrote|is saying|has been saying|admitted|just told me))?( that)? (he|she|they) "
            r"(wants|want|is going|are going|plans|is planning|are planning|is thinking about|are "
            r"thinking about|has been thinking about|keeps thinking about|might|may|could|will|"
            r"would) (to )?" + _THEIR_END + r"\b"
            # ... or keeps talking about it: a parent's "she talks about killing herself
            # sometimes" (lexicon 2026.12.25); not a talk on suicide prevention, a film, the
            # news ("they are talking about suicide"), nor a relationship "ending it" (.26)
            r"|\b(" + _KIN + r" (is|has been|keeps|kept|talks|texts|posts) "
            r"(talking |texting |posting )?|(he|she) (is|has been|keeps) (talking|texting|"
            r"posting) )about (killing (himself|herself|themselves|themself)|suicide(?! "
            r"prevention| awareness| hotline| lines?\b| squad| bombers?\b| rates?\b)|ending "
            r"(his|her|their) (own )?life|ending it all|wanting to die|not wanting to (live|be "
            r"alive))\b"
            r"|\b(he|she) talks about (killing (himself|herself)|ending (his|her) (own )?life|"
            r"wanting to die)\b"  # not "he talks about suicide in his podcast"
            # ... or may "do something to himself", or says everyone is better off without
            # them (a participant trial, .27)
            r"|\b(" + _KIN + r"|he|she) (might|may|is going to|will|could) do something to "
            r"(himself|herself|themselves|themself)\b"
            r"|\b(" + _KIN + r"|he|she) (said|says|keeps saying|thinks|feels)( that)? (everyone|"
            r"we|people|his family|her family|the world|they) (would be|is|are|will be) better "
            r"off without (him|her|them)\b"
            # ... or may do it, said by the writer (.26: "my friend might kill herself")
            r"|\b" + _KIN + r" (might|may|is going to|wants to|is planning to|plans to|is "
            r"thinking about|has been thinking about) " + _THEIR_END + r"\b"
        ),
        False,
    ),
    (
        "s_suicidal",
        "suicide",
        2,
        _rx(
            _SI + r"|\bsuicidal\b|\b(suicide|suicidal) (thoughts|ideation|urges|feelings|plan)\b|"
            r"\b(thinking|"
            r"thought|think|thoughts) (about|of) (suicide|ending (it|things|my life))\b"
        ),
        True,
    ),
    (
        "sh_act",
        "self-harm",
        2,
        _rx(
            r"\b(hurt|hurting|hurted|harm|harming|harmed|burn|burning|burned|burnt|hit|"
            r"hitting|punish|"
            r"punishing|punished|starve|starving|starved|scratch|scratching|scratched|cut|cutting|"
            r"slit|slitting|carve|carving|carved|bruise|bruising) " + _ME + r"\b"
        ),
        True,
    ),
    (
        "sh_body",
        "self-harm",
        2,
        _rx(
            r"\b(cut|cutting|slit|slitting|slice|slicing|sliced|carve|carved|carving|burn|"
            r"burned|burnt"
            r"|burning|scratch|scratched|scratching) (my|both) (wrists?|arms?|legs?|thighs?|skin|"
            r"stomach|body|hips?)\b|\b(till|until|til) (it|they|i) (bled|bleed|bleeds|bleeding)\b"
        ),
        True,
    ),
    (
        "sh_cutting",
        "self-harm",
        2,
        _rx(
            # "can't stop cutting" holds its negator: a negated stopping of the act is the act
            r"\b(started|start|back to|relapsed on|relapse on|been|"
            r"(can not |could not |will not |never )?stop|urge to|urges to|"
            r"want to|going "
            r"to|need to) (cutting|cut)\b(?! (back|down|off|the|out|it|ties|my hair|class|costs|"
            r"corners|in|up|a|an|some|his|her|their|our|your|onions?|vegetables|veggies|carrots|"
            r"meat|wood|fabric|paper|coupons|grass|hair|my (nails|lawn|grass|losses|hours)|carbs|"
            r"sugar|gluten|dairy|caffeine|weight)\b)"
        ),
        True,
    ),
    (
        "sh_self_harm",
        "self-harm",
        2,
        _rx(
            r"\bself (harm|harming|harmed|injury|injure|injuring|mutilation)\b|\bsh (urges?|again|"
            r"relapse)\b"
        ),
        True,
    ),
    (
        "dfo_abuse",
        "danger-from-others",
        2,
        _rx(
            r"(?:\b" + _THEM + r" (still |always |often |sometimes )?"
            r"(hit|hits|beat|beats|choked|chokes|strangled|strangles|kicked|kicks|"
            r"punched|punches|slapped|slaps|raped|attacked|attacks|hurt|hurts|pushed|shoved|threw|"
            r"stabbed|burned) me\b(?! up))"
            r"|(?:\b" + _THEM + r" (is|are|keeps|keep|has been|have been|was|were|starts|started) "
            r"(still |always |again )?(hitting|beating|choking|strangling|kicking|punching|"
            r"slapping|hurting|attacking|pushing|shoving|burning) me\b)"
        ),
        True,
    ),
    (
        # Violence told as it happens or just happened, beyond the verbs above: held down,
        # smothered, a weapon swung or pointed at the person.
        "dfo_assault",
        "danger-from-others",
        2,
        _rx(
            r"\b" + _THEM + r" (pinned|held|smothered|grabbed|dragged) me (down\b|to the (floor|"
            r"ground|bed|wall)|by (the|my) (throat|neck|hair))|"
            r"\b" + _THEM + r" (held|put|pressed) (a pillow|his hands?|her hands?|their hands?|a "
            r"hand) (over|on|around) my (face|mouth|throat|neck)\b|"
            r"\b" + _THEM + r" (threw|swung|pointed|aimed|pulled) (a|the|his|her|their) (knife|"
            r"gun|bat|hammer|machete|pistol|rifle) (at|on) me\b|"
            r"\b(swinging|pointing|waving|aiming) (a|the|his|her|their) (knife|gun|bat|hammer|"
            r"machete|pistol|rifle|bottle) at me\b"
            # someone else's gun readied in a fight ("he loaded the gun and told me to watch my
            # mouth"): not in a sentence about hunting or the range
            r"|\b" + _THEM + r" (loaded|cocked|pulled out|got out|took out|grabbed) (a|the|his|her|"
            r"their)( \w+)? " + _GUN + r"\b(?![^.!?]*\b" + _GUN_SPORT + r"\b)"
        ),
        True,
    ),
    (
        "hto_intent",
        "harm-to-others",
        2,
        _rx(r"\b" + _I_INTENT + r" " + _VIOLENT + r" " + _VICTIM + r"|" + _HI),
        True,
    ),
    (
        # a mass shooting, not "shooting up" a drug ("shooting up heroin")
        "hto_shoot_up_place",
        "harm-to-others",
        2,
        _rx(
            r"\bshoot(ing)? up (the|my|a|this|that|our) (place|school|office|job|work|workplace|"
            r"store|church|party|building|class|classroom|meeting|mall|club|bar)\b"
        ),
        True,
    ),
    (
        "hto_conditional",
        "harm-to-others",
        2,
        _rx(r"\bi (will|would|am going to) (kill|shoot|stab|murder|strangle) (him|her|them)\b"),
        True,
    ),
    (
        "s_bare_word",
        "suicide",
        2,
        _rx(r"^(i am |i fel |feling )?(suicide|suicidal|kil myself)\W*$"),
        False,
    ),
    # ---- tier 3: passive or indirect ideation
    (
        # the meme "guess i'll just die" is hyperbole, until the message says it isn't
        "s_die_sincere",
        "suicide",
        3,
        _rx(
            _I_WILL_DIE
            + r"[^.!?;]{0,40}?\b"
            + _SINCERELY
            + r"\b|\b"
            + _SINCERELY
            + r"\b[^.!?;]{0,40}?"
            + _I_WILL_DIE
        ),
        True,
    ),
    (
        "s_wish_accident",
        "suicide",
        3,
        _rx(
            r"\b(praying|pray|hoping|hope|wish|wishing) for (a|an) (heart attack|accident|car "
            r"(crash|accident)|fatal \w+|stroke)\b|\b(praying|pray|hoping|hope) (a|the|that a) "
            r"(bus|car|truck|train) (hits|takes out|takes) me\b|\benvy the dead\b|\b(have|ive|"
            r"already) lived too long\b"
        ),
        True,
    ),
    (
        "s_attempt_word",  # "attempt" alone, dated now: the question (see _ATTEMPT_WORD)
        "suicide",
        3,
        _rx(_dated_attempt(_ATTEMPT_WORD)),
        False,
    ),
    (
        # How lethal a method is, asked: the question tier (a nursing student asks too;
        # "lethal means" counselling and overdose education are treatment talk, not a dose).
        "s_lethality",
        "suicide",
        3,
        _rx(
            r"\b(what is|whats|how much is|how many is|how many are|looked up|look up|looking up|"
            r"googled|google|googling|searched|searching for) (the |a )?(lethal|fatal|deadly) "
            r"(dose|doses|amount|amounts|level) (of|for)\b|"
            r"\bhow (many|much)\b[^.!?]{0,40}\b(would it take to|does it take to|it takes to|"
            r"would i need to|do i need to|to take to) (die|kill (me|" + _ME + r"|you|someone|a "
            r"person))\b(?! down| out| off)|"
            r"\b(can|could|would|will|do|does) (you|i|someone|somebody|a person|people) (die|"
            r"survive) (from|if you|if i|by|after) (jumping|hanging (yourself|myself)|falling "
            r"from|an overdose|overdosing|swallowing|a gunshot|shooting|carbon monoxide|drowning|"
            r"bleeding out)\b|"
            r"\bhow (long|quickly|quick|fast) (does it take|would it take|do you take|until you|"
            r"till you|before you)( to)? (die|bleed out)\b(?! down| out| off)|"
            r"\bis (hanging (yourself|myself|oneself)|jumping (off|from)|drowning|bleeding out|a "
            r"gunshot|shooting yourself|carbon monoxide)\b[^.!?]{0,25}\b(quick|quicker|fast|"
            r"faster|painless|peaceful|always fatal|painful)\b|"
            r"\bwhich (vein|artery|veins|arteries) (do you|do i|to|should i|would i|would you) "
            r"(cut|slit|open|slice)\b|"
            r"\bhow (high|tall|far|many (feet|foot|ft|stories|storeys|floors|meters|metres))\b"
            # not "how many feet does a cat need to fall to die", "to die of exhaustion"
            r"(?:(?!\b(cat|dog|kitten|puppy|bird|egg|phone|plant|pumpkin)s?\b)[^.!?]){0,40}\bto "
            r"(die\b(?! (of|from) (exhaustion|boredom|embarasment|laughing|laughter|shame|"
            r"cringe))|kill (you|me|yourself|oneself|" + _ME + r")\b)"
        ),
        True,
    ),
    (
        "s_burden",
        "suicide",
        3,
        _rx(
            r"\b(better|happier|easier|fine) (off )?without me\b|\b(better|happier|easier) (off )?"
            r"(if|when) i (was|were|am|m|wasnt|was not|were not)? ?(gone|dead|not here|not around|"
            r"never born)\b|\b(nobody|no one|noone) (would|will) (miss|care|notice)\b"
        ),
        False,
    ),
    (
        # Perceived burdensomeness, a recognised warning sign. Negatable: "I don't want to be a
        # burden to you" is a request a role-play rehearses, not a risk statement.
        "s_burden_self",
        "suicide",
        3,
        _rx(
            r"\bi( just| really| honestly)? (am|m|feel|fel|have become|became|have been|will "
            r"always be|am always)( so much)?( like)?( i am| i have been)?( such| just| only| "
            r"nothing but| always| a huge| a big| a total| a complete| so much of)? (a )?"
            r"(burden|burdens)\b(?! of| (has|have|was|is) (ben )?lifted| lifted| sharing)|"
            r"\b(tired|sick) of (being|feeling like) (such )?a burden\b"
        ),
        True,
    ),
    (
        "s_no_point",
        "suicide",
        3,
        _rx(
            r"\bno (point|reason|purpose) (in |of |to )?(living|live|being alive|going on|keep "
            r"living|life)\b|\bwhat is the point (of|in) (living|life|being alive|going on)\b|"
            r"\b(see|have) (a|any|no) (reason|point) to (keep )?(living|live|go on)\b|\breason to "
            r"(keep )?(living|live)\b|"
            # the whole message ("what's the point anymore?": a fifth trial's, coached as an open
            # question); "what's the point anymore, they never read my reports" or "if they cancel
            # the party whats the point anymore" (a reviewer) are the model's to weigh
            r"^((honestly|tbh|ngl|idk|like|man|god|ugh|just|so|but|and)[,.]? )*what is (even )?the "
            r"point( of (anything|any of (this|it)))? (anymore|any more)[.?!]*$"
        ),
        False,
    ),
    (
        "s_cant_go_on",
        "suicide",
        3,
        _rx(
            # said by the writer, not "my knees can't take it anymore"
            r"(?:^|(?<=[.,;:!?] )|(?<=[.,;:!?])|\bi (?:just |really |honestly |literally |"
            r"seriously |truly )?)can not (go on|keep going|(do|take) (this|it)( \w+)? (anymore|"
            r"any more|no more|no longer|any longer))\b|"
            # "done with life", as a clause of its own: not "done with my life being run by
            # alcohol", "this life of drinking", "my life coach"
            r"(?:^|(?<=[.,;:!?] )|(?<=[.,;:!?])|\bi am( (?!not\b|never\b)\w+){0,2} )(so |just |"
            r"totally |completely )?done with (this |my )?life\b(?= *($|[.!?;:]|,? (i|and|so|tbh|"
            r"honestly|right now|fr|for real|for good|period)\b))"
        ),
        False,
    ),
    (
        "s_not_here",
        "suicide",
        3,
        _rx(
            r"\b(want|wanna) to be here (anymore|any longer|any more)\b|\b(not|never) (be )?here "
            r"(anymore|any longer|much longer|for much longer|tomorrow)\b|\bnot (going to )?be "
            r"(here|around) (much longer|for much longer|for long|anymore|tomorrow)\b|\bi will not "
            r"be (here|around)\b"
            # "i won't be around this week, finals": a plan with an end, not a farewell
            r"(?! (this|next|on|until|till|til|at|for the|for a|from|after|over the|much this|"
            r"during|in the (morning|afternoon|evening)|(mon|tues|wednes|thurs|fri|satur|sun)day))"
        ),
        False,
    ),
    (
        # a wish to join someone who died, the death told beside it ("my sister took her own
        # life and i want to join her"; lexicon 2026.12.26, a reviewer): probable, asked about
        "s_join_the_dead",
        "suicide",
        3,
        _rx(_DIED + r".{0,80}" + _JOIN + r"|" + _JOIN + r".{0,80}" + _DIED),
        True,
    ),
    (
        # finality said to someone, a participant trial's (lexicon 2026.12.27): "I won't need
        # groceries where I'm going", "you won't have to plan my birthday next year", "I don't
        # care what happens to me anymore"; probable, asked about
        "s_finality",
        "suicide",
        3,
        _rx(
            r"\bwill not need (\w+ ){0,3}where i am going\b"
            # a thing handed over "for good" (.28): "you can have my guitar, i won't be needing
            # it"; not when, after it, something replaces it ("since i got a new one") or it
            # comes back ("borrow", "return"): a loan said first ("for the weekend") still counts
            r"|\b(you can|you could|go ahead and|just) (have|keep|take) (my|all my)\b.{0,40}\bi "
            r"will not (be needing " + _HANDED + r"( anymore| again| where i am going| after "
            r"(tonight|today))?|need " + _HANDED + r" (anymore|again|where i am going|after "
            r"(tonight|today)))\b(?!.{0,40}\b("
            r"new one|upgraded?|replaced?|bought|got another|moving|move|trip|back by|borrow|"
            r"return|lend|since i|done with|finished|graduated?|quit|quitting|this (summer|week|"
            r"weekend|month|semester|season|winter|spring|fall|year)|next|until|for a)\b)"
            r"|\b(you|they|nobody|no one|anyone|we) (will not|would not) (have|need) to (plan|"
            r"worry about|deal with|put up with|buy|cook|pay for) (me|my)\b.{0,30}\b(next year|"
            r"anymore|much longer|ever again)\b(?!.{0,40}\b(moving|move|moved|trip|travel|"
            r"traveling|vacation|graduating|deployed|deployment|transfer|abroad|away for)\b)"
            r"|\bi do not care (what happens to me|if i live or die|whether i live or die|if i "
            r"wake up|if i die)\b"
        ),
        False,
    ),
    (
        "s_disappear",
        "suicide",
        3,
        _rx(
            r"\bdisappear (forever|for good|permanently)\b|\b(never|not) wake up\b|\b(stop|end) "
            r"(for good|forever|permanently)\b|\bsleep forever\b"
        ),
        False,  # "i don't care if i never wake up": its "not" is no denial
    ),
    (
        # (.29) "i'm so tired of everything, i want it all to stop" drew nothing (p 0.08). Not
        # negatable: "nobody cares i just want it all to stop" denies nothing, and "i don't
        # want" or "i used to want" never match "i want" to begin with
        "s_all_stop",
        "suicide",
        3,
        _rx(
            r"\bi (just |really )?(want|wanna|need) (it all|everything|all of it) to (stop|end)\b"
            r"(?! (for (a|the|one) (minute|second|moment|bit|night|day|weekend|while)|so i can|"
            r"between|with (him|her|you|them|us|me)|raining))"
        ),
        False,
    ),
]
RULES.sort(key=lambda r: r[2])


def negated_words(t: str) -> list[str]:
    """The words a negator governs in a normalised message: those after it in its own clause
    ("i would never hurt myself" -> hurt, myself). A feature for the model, which can then
    tell "kill myself" from "not going to kill myself" without a rule for every phrasing."""
    if not t.isascii() or _NOT_NORMALISED.search(t):
        return _negated_words(t)
    # what `normalise` returns: its words and clause marks, one walk (_CLAUSE's split cost
    # twice as much); a clause word is a whole word there, as _CLAUSE's \b reads it
    words = t.translate(_CLAUSE_MARKS).replace(_CLAUSE_MARK, f" {_CLAUSE_MARK} ").split()
    if _NEGATORS.isdisjoint(words):  # most windows' words are never walked through in Python
        return []
    # where each negator is (list.index, in C), then a walk from each to its clause's end
    at: list[int] = []
    for negator in _NEGATORS.intersection(words):
        i = -1
        try:
            while True:
                i = words.index(negator, i + 1)
                at.append(i)
        except ValueError:
            pass
    out: list[str] = []
    end = 0  # the walk so far: a negator before it is in a clause already walked
    for start in sorted(at):
        if start < end or _interjects(words, start):
            continue
        last = start  # the last negator walked through: its "not ok" ends the scope too
        end = start + 1
        while end < len(words) and (word := words[end]) not in _CLAUSE_WORDS:
            if word == "no" and _interjects(words, end):
                break
            if word in _NEGATORS:
                last = end
            else:
                out.append(word)
            end += 1
            if end == last + 2 and _closes(words, last + 1):
                break
    return out


def _interjects(words: list[str], i: int) -> bool:
    """words[i] is a "no" that answers or interjects: it negates nothing after it."""
    return words[i] == "no" and i + 1 < len(words) and words[i + 1] in _AFTER_INTERJECTION


def _closes(words: list[str], i: int) -> bool:
    """words[i], just after a negator, ends its scope ("not ok", then "i want to die"; "can't
    stop", then "thinking about suicide", which goes on)."""
    if words[i] in _PERSISTING:  # "can't help thinking", not "it doesn't help to think"
        return words[i] != "help" or (i >= 2 and words[i - 2] in ("can", "could"))
    return words[i] in _CLOSING and i + 1 < len(words) and words[i + 1] not in _CARRIES_ON


def _scope_start(words: list[str]) -> int:
    """Where the last clause of a clause's words begins, counting the clauses that an
    interjected "no" or a closed negator ("not ok") start without a mark."""
    start = 0
    for i in range(1, len(words)):
        if _interjects(words, i - 1) or (
            i >= 2 and words[i - 2] in _NEGATORS and _closes(words, i - 1)
        ):
            start = i
    return start


def _has_negator(words: list[str]) -> bool:
    """A word of `words` negates what follows it (an interjected "no" doesn't)."""
    if _NEGATORS.isdisjoint(words):
        return False
    return any(w in _NEGATORS and not _interjects(words, i) for i, w in enumerate(words))


# ASCII text of `normalise`'s characters (and "~"), which `negated_words` reads by its words
_NOT_NORMALISED = re.compile(r"[^a-z0-9.,!?;:~\s]")
_CLAUSE_MARK = "."  # a clause's end, as one word of its own
# every clause mark to "." (a full ASCII table of single characters, str.translate's fast case:
# see _ASCII_PLAIN); then each "." spaced apart by str.replace
_CLAUSE_MARKS = {c: _CLAUSE_MARK if chr(c) in ".,!?;:~" else chr(c) for c in range(128)}
_CLAUSE_CONJUNCTIONS = ("but", "and", "though", "although", "because", "cause", "so", "yet")
_CLAUSE_WORDS = frozenset([_CLAUSE_MARK, *map(_collapse, _CLAUSE_CONJUNCTIONS)])


def _negated_words(t: str) -> list[str]:
    """`negated_words` of any text: split at _CLAUSE."""
    out: list[str] = []
    for clause in _CLAUSE.split(t):
        if not clause:
            continue
        words = clause.split()
        if _NEGATORS.isdisjoint(words):  # most clauses: no word to walk through in Python
            continue
        on = False
        closable = False  # the word just after a negator, which may close its scope
        for i, word in enumerate(words):
            if word in _NEGATORS:
                on = not _interjects(words, i)
                closable = on
            elif on:
                out.append(word)
                if closable and _closes(words, i):
                    on = False
                closable = False
    return out


def _negated(t: str, start: int) -> bool:
    """True when a negator sits in the last few words of the same clause before `start`."""
    clause = _CLAUSE.split(t[max(0, start - 60) : start])[-1]
    words = clause.split()
    if _NEGATORS.isdisjoint(words):
        return False
    # the hit's first word decides whether a "no" or "not ok" just before it starts a clause
    whole = words + t[start : start + 24].split()[:1]
    words = words[_scope_start(whole) :]
    return any(w in _NEGATORS for w in words[-4:]) or "no way" in " ".join(words[-7:])


_MAX_PAST_HITS = 20  # more hits than this, all told as history, and the message counts anyway


def _find(t: str, pattern: re.Pattern[str], negatable: bool, may_be_past: bool) -> bool:
    past = 0
    for m in pattern.finditer(t):
        if not negatable:
            return True
        if _negated(t, m.start()):
            continue
        if may_be_past and past < _MAX_PAST_HITS and _history(t, m):
            past += 1
            continue  # "i used to self harm years ago": history, not a current crisis
        return True
    return False


def _history(t: str, m: re.Match[str]) -> bool:
    """The hit is about the past: a past marker in its own clause before it or inside it ("he
    used to beat me"), or a childhood marker or a time long past after it ("my dad beat me as a
    kid", "i tried to end it all years ago"), or a year long past followed by nothing but the
    writer's recovery told plainly (`_recovered_since`); never when its clause says what someone
    means to do ("i'm going to end my life like i did as a teen") or that it is now ("he beats
    me now"), nor when what follows takes the act up again (`_PRELUDE`).
    The caller has checked that the message says nothing of it going on or of danger now. A
    later clause is not history: "i used to self harm but now i want to die"."""
    start = max(0, m.start() - 200)  # bounded looks back and forward: long text stays linear
    for boundary in _CLAUSE.finditer(t, start, m.start()):
        start = boundary.end()
    if _INTENT.search(t, start, m.end()):
        return False
    after = _CLAUSE.search(t, m.end(), m.end() + 200)
    end = after.start() if after else min(len(t), m.end() + 200)
    if _NOW.search(t, start, end) or _PRELUDE.search(t, m.end(), m.end() + 200):
        return False
    return bool(
        _PAST.search(t, start, m.end())
        or _CHILDHOOD.search(t, m.end(), end)
        or _LONG_AGO.search(t, m.end(), end)
        or _recovered_since(t, m.end(), end)
    )


def _recovered_since(t: str, at: int, end: int) -> bool:
    """A year long past in the hit's clause (from `at` to `end`), and nothing after the year but
    the writer's recovery: the whole rest of the message matches `_RECOVERED_TAIL`."""
    year = _BACK_IN.search(t, at, end)
    return year is not None and _RECOVERED_TAIL.fullmatch(t, year.end()) is not None


_DRUG_WORD = _rx(
    r"\b" + _DRUGS + r"\b|\b(drunk|drinking|drank|alcohol|vodka|booze|high|using|used|"
    r"relapse|relapsed|meth|coke|crack|weed|opioids?|percocet|benzos?|narcan|naloxone)\b"
)
_FIRST_PERSON = re.compile(r"\b(i|me|my|myself|im)\b")
# Warning signs of preparation that no rule can call certain ("gave my coins to my sponsor, he
# can give them to someone who'll be around"): words of finality, of giving things away, of
# saving up. Features only: the model weighs them with everything else in the message.
_FINALITY = _rx(
    r"\b(one last time|for the last time|before i go|when i am gone|after i am gone|(will|would) "
    r"not be around|be around to|clean slate|wiping the slate|my goodbyes|this is goodbye|goodbye "
    r"for real|(do not|will not) need (stuff|things|it|them|any of it|my \w+) anymore|when it is "
    r"time|not (his|her|your|their) fault|(last|final) (letter|letters|note|message|text|"
    r"goodbye))\b"
)
_GIVING_AWAY = _rx(
    r"\b(gave|give|giving|given) away\b|\b(gave|giving) (my|all my) (\w+ ){1,2}to\b|"
    r"\brehom(e|ed|ing)\b|\bsold (my|all my|all of my)\b|\bwho gets\b|"
    r"\bleft (a note|a letter|a video|my \w+ in)\b|"
    r"\bmy (important )?papers\b|\bmy will\b|\bwill (is )?notarized\b"
)
_SAVING_UP = _rx(
    r"\b(hoard|hoarding|hoarded|stockpile|stockpiling|stockpiled|saving up|saved up|been saving|"
    r"kept (the|all|every|them)|stash|a pile|refills early)\b"
)
# An event given a date long past ("that was 2014", "it's been 9 years since", "in my
# twenties"), often in the sentence after the one that tells it: a feature only, which the
# rules' history test (a past marker before the hit, in its clause) doesn't read. Not a
# duration that runs to now ("for two years now", "a few years since"), nor a number that is a
# dose ("2000 mg"); and `cues` drops it where the message says it goes on ("again", "still",
# "lately", "every day", "now").
_DATED = _rx(
    r"\b((in|back in|that was|around|until|from) (19|20)\d\d\b(?! ?(mg|mcg|ml|pills|calories))|"
    r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|many|several|a few|a "
    r"couple of|a couple|some) (years?|yrs?|decades?) (ago|clean|sober|back|free)|decades ago|"
    r"(it has|its) been (\d+|\w+) (years|yrs) since|back (then|in the day)|in my (teens|twenties|"
    r"thirties|forties|fifties|20s|30s|40s)|when i was (\d+|in (high school|college|my \w+))|"
    r"that was (\w+ ){0,2}(ago|back|years))\b"
)
_CUES = {
    "laugh": _LAUGH,
    "sincere": _SINCERE,
    "dated": _DATED,
    "real-threat": _REAL_THREAT,
    "imminent": _IMMINENT,
    "ongoing": _ONGOING,
    "now": _NOW,
    "past": _PAST,
    "childhood": _CHILDHOOD,
    "intent": _INTENT,
    "drugs": _DRUG_WORD,
    "first-person": _FIRST_PERSON,
    "finality": _FINALITY,
    "giving-away": _GIVING_AWAY,
    "saving-up": _SAVING_UP,
}

CUE_NAMES = (*_CUES, "negator")  # what `cues` reports: part of the model's recipe

# RE2 reads every window once for all the patterns below (state/prefilter.py): only those it
# names are run by `re`. Exact: a pattern RE2 passes over can't match. The rules and the
# context words they consult read the text with the safe idioms taken out; the cues (and
# whether there are idioms to take out) read it as normalised.
_IN_RULES = [r[3] for r in RULES] + [_REAL_THREAT, _LAUGH, _ONGOING, _IMMINENT]
_REAL_THREAT_AT, _LAUGH_AT, _ONGOING_AT, _IMMINENT_AT = range(len(RULES), len(_IN_RULES))
# and each idiom alone after _SAFE_ANY, so that only those that may match are taken out
_IN_CONTEXT = [*_CUES.values(), _SAFE_ANY, *_SAFE]
_SAFE_AT = len(_CUES)
_DRUGS_AT = list(_CUES).index("drugs")
_RULE_FILTER = Prefilter(_IN_RULES)
_CONTEXT_FILTER = Prefilter(_IN_CONTEXT)


@lru_cache(maxsize=256)
def _safe_any(which: tuple[int, ...]) -> re.Pattern[str]:
    """_SAFE_ANY with only the idioms `which` (indexes of _SAFE, in order): those RE2 passed
    over match nowhere in the text, so they never win a position; the substitution reads the
    text as it was, so taking them out changes nothing (a scan tries each at every position)."""
    if len(which) == len(_SAFE):
        return _SAFE_ANY
    return re.compile("|".join(f"(?:{_SAFE[k].pattern})" for k in which))


@lru_cache(maxsize=64)  # the rules, the cues and the substance check read the same window
def _context(t: str) -> tuple[frozenset[int], frozenset[int]]:
    """(the context patterns that may match `t`, those that match for certain)."""
    return _CONTEXT_FILTER.matches(t)


def cues(t: str) -> dict[str, bool]:
    """Context words of a normalised message (laughter, a time, a past marker, intent...).

    Features for the trained model: the rules use the same words to decide negation and history.
    """
    maybe, sure = _context(t)
    found = {
        name: i in sure or i in maybe and rx.search(t) is not None
        for i, (name, rx) in enumerate(_CUES.items())
    }
    found["laugh"] = found["laugh"] and not found["sincere"]
    found["dated"] = found["dated"] and not (found["ongoing"] or found["now"])
    found["negator"] = _has_negator(t.split())
    return found


def mentions_substances(text: str) -> bool:
    """Alcohol or drugs named: the card then adds a substance-use helpline."""
    return names_substances(normalise(text))


# Drinking named in everyday words: not the model's "drugs" cue (which these would widen far
# beyond danger), only what puts the SAMHSA helpline on a card ("we fought again and i want a
# drink so bad. sometimes i think everyone would be better off without me" had no helpline: a
# sixth participant trial). A helpline too many costs a line of the card; one too few, a door.
# Not the words with everyday senses ("wasted my life", "car dealer", "craving pizza").
_DRINKING = _rx(
    r"\b(?:drinks?|beers?|wine|liquor|whiske?y|tequila|rum|vodka|sober|sobriety|buzzed|tipsy|"
    r"hungover|hammered|blacked out)\b"
)


def names_substances(t: str) -> bool:
    """`mentions_substances` of text `normalise` has already read."""
    maybe, sure = _context(t)
    drugs = _DRUGS_AT in sure or (_DRUGS_AT in maybe and _DRUG_WORD.search(t) is not None)
    return drugs or _DRINKING.search(t) is not None


def detect_crisis(text: str) -> CrisisResult:
    """Classify one message. Never raises; never puts any of `text` in the result."""
    if not isinstance(text, str) or not text:
        return NO_CRISIS
    try:
        return detect_normalised(normalise(text))
    except Exception:  # pragma: no cover - defensive: the detector must never break a chat
        return NO_CRISIS


def detect_normalised(t: str) -> CrisisResult:
    """`detect_crisis` on text `normalise` has already read (the model reads it too)."""
    if not t:
        return NO_CRISIS
    try:
        maybe = _context(t)[0]
        if _SAFE_AT in maybe:
            which = tuple(k for k in range(len(_SAFE)) if _SAFE_AT + 1 + k in maybe)
            if which:  # none: no idiom matches (RE2 named _SAFE_ANY loosened, not one of them)
                t = _safe_any(which).sub(_SAFE_TOKEN, t)
        # what RE2 names and read exactly matches: `re` runs only where it must say where
        maybe, sure = _RULE_FILTER.matches(t)

        def found(i: int, rx: re.Pattern[str]) -> bool:
            return i in sure or i in maybe and rx.search(t) is not None

        # Laughter defuses hyperbole ("my mom will kill me lol"), not a threat with a weapon,
        # "tonight" or fear in it ("he says he'll shoot me tonight lol"). A threat said to be no
        # joke is left to the model, which reads the sincerity as a cue ("lol not kidding he
        # ate my leftovers" is still about leftovers).
        real_threat = found(_REAL_THREAT_AT, _REAL_THREAT)
        laugh = not real_threat and found(_LAUGH_AT, _LAUGH)
        # once per message
        may_be_past = not real_threat and not found(_ONGOING_AT, _ONGOING)
        # the rules RE2 names, in RULES' order (by tier): the others can't match
        for i in sorted(maybe.intersection(range(len(RULES)))):
            rule_id, category, tier, pattern, negatable = RULES[i]
            # and someone else's "i'll kill myself over this exam lol" (lexicon 2026.12.26)
            if laugh and (
                category in ("harm-to-others", "danger-from-others") or rule_id == "s_someone_else"
            ):
                continue
            if (not negatable and i in sure) or _find(t, pattern, negatable, may_be_past):
                if tier == 2 and found(_IMMINENT_AT, _IMMINENT):
                    tier = 1
                return CrisisResult(True, category, tier, rule_id)
    except Exception:  # pragma: no cover - defensive: the detector must never break a chat
        return NO_CRISIS
    return NO_CRISIS


# ---- whose danger ----------------------------------------------------------------------------
# Not a rule and not a feature of the model: which words the question and the card use once a
# message is read as a crisis (state/safety), never whether it is. Someone who writes that a son
# or a friend wants to kill himself is asked about their own life all the same (they may be at
# risk too), but told where help for the other person is (a participant trial).
_THEIRS = _rx(
    r"\b(kill|killing|hurt|hurting|harm|harming|cut|cutting|shoot|shooting|hang|hanging|end|"
    r"ending|off|offing) (himself|herself|themselves|themself)\b"
    r"|\b(end|ending|take|taking) (his|her|their) (own )?life\b"
    r"|\b(he|she|they|" + _KIN + r") (is|are|has been|have been|seems|may be|might be|could be) "
    r"(really |so )?suicidal\b"
    r"|\b(he|she|they|" + _KIN + r")( (says|said|keeps saying|told me) (he|she|they))? (wants|"
    r"want) to (die|be dead|end it)\b"
    r"|\b(his|her|their) (suicide|goodbye) (note|letter|text|plan)\b"
    r"|\btalking about (suicide|wanting to die|not wanting to live)\b"
    r"|\b(he|she|they) (does|do) not (want to (live|be alive|be here)|see the point (of|in) "
    r"living)\b|\b(he|she|they) (wishes|wish) (he|she|they) (was|were) dead\b"
    # a participant trial's: things given away, a goodbye sent, "never been born", "do
    # something to himself", "talking about ending it", "better off without him"
    r"|\b(do|doing|done) something to (himself|herself|themselves|themself)\b"
    r"|\b(he|she|" + _KIN + r"s?)( \w+){0,3} giving (away )?(all )?(his|her|their) (stuff|things|"
    r"belongings)\b|\b(he|she|" + _KIN + r") (texted|sent|wrote|left)( me)? (a )?goodbye\b"
    r"|\b(he|she|they) (wishes|wish|said|says) (he|she|they) (would|would have|had) never "
    r"been born\b"
    r"|\b(he|she|" + _KIN + r")( \w+){0,5} (talking|talks) about ending it\b"
    r"|\b(he|she|they|" + _KIN + r") (said|says|keeps saying|thinks|feels)( that)? (everyone|we|"
    r"people|the world|his family|her family)( would be| is| are)? better off without (him|her|"
    r"them)\b"
)
# ... and not the writer's own too ("me too", "take me with him", "i want to join her")
_MINE = _rx(
    r"\b(myself|my (own )?life|kill me|i (want|wish) to die|i wish i (was|were) dead|i (am|feel|"
    r"have been) suicidal|me too|so do i|me with (him|her|them)|and me\b|(join|be with) (him|"
    r"her|them)|i can not go on|end it all|my (suicide|goodbye) (note|letter)|i do not want to "
    r"(live|be alive|be here)|i do not see the point)\b"
)


def about_someone_else(text: str) -> bool:
    """Whether a crisis the message tells of is a third person's and not the writer's too."""
    return someone_else_in(normalise(text))


def someone_else_in(normalised: str) -> bool:
    """`about_someone_else` of a text already normalised (the screen's window)."""
    return _MINE.search(normalised) is None and _THEIRS.search(normalised) is not None
