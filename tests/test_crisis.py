"""Tests for the crisis-language detector (state/crisis.py) and its labelled evaluation set."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from state import crisis
from state.crisis import CATEGORIES, LEXICON_VERSION, RULES, CrisisResult, detect_crisis
from state.language.data import crisis_examples, style_examples
from state.safety import screen_text

EVAL_SET = Path(__file__).parent / "data" / "crisis_eval.jsonl"

POSITIVES = {
    "suicide": [
        # lexicon 2026.12.11: the meme, said to be no joke (from a participant trial)
        "lol guess i'll just die 🙃 for real tho i cant do this",
        "not even joking i think i'll just die soon",
        # lexicon 2026.12.10, from a participant trial: laughter, reported speech, buried
        "lol i might just walk into traffic on the way home",
        "my mom took my car keys bc i said i was gonna drive into a tree",
        "work sucks, oh and i'm planning to end it this weekend, anyway what should i practice",
        # lexicon 2026.12.9, from the cross-validated misses
        "i want to step in front of a semi",
        "i thought about setting myself on fire",
        "i've stopped wanting to live",
        "im tired of being alive",
        "i'm going to end my life like i almost did when i was a teen",  # intent is now
        "i want to kill myself i used to think it would pass",
        "I used to self harm years ago but now I want to kill myself",
        "i won't be around much longer",
        "i want to die",
        "i wanna die",
        "kms",
        "kys myself",
        "unalive myself",
        "i don't want to be here anymore",
        "everyone would be better off without me",
        "i feel like i'm a burden",
        "I'm just a burden to my family",
        "i'm so tired of being a burden",
        "I just feel like a total burden",
        "I feel like I've been a burden",
        "i gave away my things",
        "i wrote my goodbye letters",
        "no point in living",
        "i can't go on",
        "thinking of ending it all",
        "i want to disappear forever",
        "i wnat to die",
        "sucide",
        "kil myself",
        "I don't want to live",
        "i'm going to kill myself tonight",
        "nobody would miss me if i was gone",
        # command hallucinations, and how lethal a method is (lexicon 2026.12.5)
        "the voice keeps telling me to jump off the roof",
        "my head has been telling me to kill myself all week",
        "what's the lethal dose of my sleeping pills",
        "how many of these would it take to die",
        "can you die from jumping off a parking garage",
        "is hanging yourself painless",
        "which vein do you cut",
    ],
    "self-harm": [
        "i relapsed on sh after 2 years",
        "used to burn myself with lighters in high school and the urge is back",
        "i cut myself again",
        "i want to hurt myself",
        "burning myself",
        "i've been self harming again",
        "i keep cutting my wrists",
        "urge to cut is so strong",
    ],
    "overdose": [
        "drinking antifreeze rn",
        "i'm going to take all my pills",
        "i took all my meds at once",
        "took all my pills tonight",
        "gonna OD tonight",
        "took the whole bottle",
        "i want to use until i don't wake up",
        "thinking about taking all my xanax at once",
        "i'm going to drink myself to death",
    ],
    "danger-from-others": [
        "he's going to kill me",
        "my partner hit me and i'm scared to go home",
        "someone is threatening me with a knife",
        "i'm not safe at home",
        "she threatened to kill me",
        "he has a gun and says he will shoot me tonight lol",  # laughter doesn't defuse this
        "he still hits me",
        "she's hitting me again",
        "he locked me in the bedroom and took my phone",
        "she locks me up when he's gone",
        "they keep hurting me",
        "my dad beat me as a kid and he still hits me",  # history, then now
        "he used to beat me and tonight he said he would kill me",
        "he used to beat me and i'm scared he will again",
        "he hits me i'm used to it",  # "used to" that isn't the past
        "my boyfriend hits me like my dad used to",
        "he beats me now like when i was a kid",
        # held down, smothered, a weapon at the person (lexicon 2026.12.6)
        "he pinned me to the floor",
        "my boyfriend held a pillow over my face",
        "my roommate pulled a knife on me tonight",
        "he grabbed me by the throat",
        # a weapon swung at the person, whoever holds it; "cut me" threatened (2026.12.9)
        "my son is high and swinging a bat at me",
        "someone said they'd cut me if i didn't hand over my meds",
        # not feeling safe with someone (lexicon 2026.12.8, from a participant trial)
        "no i dont feel safe at home",
        "i don't feel safe around my stepdad",
        "i never feel safe in my own house",
        "no i dont feel safe at home he has a gun",
    ],
    "harm-to-others": [
        "i feel like shooting up the place honestly",
        "i'm going to kill him",
        "i want to hurt my boss",
        "i'll make them pay, i have a gun",
        "i'm gonna stab my brother",
        "i want to shoot everyone at work",
        "the voices keep telling me to hurt my neighbor",
    ],
}

NEGATIVES = [
    "I don't want to be a burden to you, Mom",  # a request a family role-play rehearses
    "it's a burden of proof thing",
    "this deadline is killing me",
    "my phone died",
    "I tell you what keeps me up at night: the bills",
    "the baby kept me up all night",
    "group keeps me in check",
    "I took all my meds this morning like I'm supposed to",
    "I won't be around much this week, finals",
    "i wont be around next weekend, my cousin's wedding",
    "i won't be here tuesday, court date",
    "I need to cut back on drinking",
    "I'm dying to see you",
    "that joke killed",
    "I could kill for a coffee",
    "cut the cake",
    "I'm dead tired",
    "you're killing it",
    "kill the lights",
    "my mom would kill me if I was late",
    "I'd rather die than sing karaoke",
    "drop dead gorgeous",
    "overdosed on coffee lol",
    "my mom is going to kill me lol",  # hyperbole: no weapon, "tonight" or fear in it
    "guess i'll just die lol",  # the meme, as a meme
    "my phone will die for real though",
    # everyday intensifiers and conditional hyperbole (a review of lexicon 2026.12.12)
    "im gonna kill my brother lol not kidding he ate my leftovers",
    "i swear ill kill him lol he spoiled the finale",
    "i'm not kidding, i'd just die if she saw that",
    "if i eat that i will die lol fr fr",
    "no cap i would die for a pizza rn",
    "i swear i could die happy right now",
    "haha my coach will kill me if I skip practice tomorrow",
    "i'm gonna kill my roommate lol he ate my leftovers again today",
    "I feel like a burden has been lifted",
    "my uncle died last year",
    "the movie where he shoots himself was sad",
    "no, I don't want a drink",
    "I want to stop drinking",
    "I feel guilty",
    "I'm so tired of my manager",
    "I'm going to kill this presentation",
    "No thanks, I'm not drinking tonight",
    "I feel hurt when you bring up my past in front of everyone",
    "Can we talk about this privately?",
    "Honestly I could kill for a nap",
    "I'm sorry, I just can't lend you money again",
    "rough day but I went to group",
    # history, not a current danger: it must not stop a role-play about the past
    "my dad beat me as a kid",
    "he used to beat me",
    "my mom hit me when I was little and I want her to hear that it hurt",
    "growing up my dad would slap me",
    # negation guards
    "I don't want to die",
    "I'm not going to hurt myself",
    "i'm not suicidal",
    "there is no way i'm going to kill myself",
    "I'm not going to hurt anyone, I just need space",
    # "shot me a look" is not a threat (found in a participant trial)
    "my kid shot me a look like i was crazy when i said no phones at dinner",
    "my boss shot me an email at midnight",
    # lexicon 2026.12.9's near misses: hyperbole, traffic, "cut me off", living somewhere
    "i'd rather drink bleach than go to that party",
    "my boss cut me off mid sentence",
    "can you cut me some slack",
    "a deer jumped in front of the car on my way home",
    "i'm done with living like a slob, cleaning this weekend",
    "tired of living paycheck to paycheck",
    "praying for a good outcome tomorrow",
    "shooting up heroin again",  # a drug, not a place (2026.12.10)
    "i'm gonna end it with my girlfriend this weekend",
    "a kid ran into traffic chasing a ball",
    "used to cut in high school, 5 years clean, the urge never came back",
    # a negator between them and the act denies it (lexicon 2026.12.8)
    "no hes never hurt me",
    "she would never hurt me, she's just loud",
    "he is not going to hurt me, he's all talk",
    "i don't feel safe driving at night",
    # a car in a garage that nobody sits in with the engine running
    "warming up the car in the garage before work",
    "i was in the car with the engine running waiting for my kid",
    "i would never sit in the garage with the car running",
    # "telling me to end it" with someone, lethal means counselling, trivia with "die"
    # (near misses of lexicon 2026.12.6's command voices and lethality questions, from a review)
    "my brain is telling me to end it with my sponsor",
    "my brain keeps telling me to jump ship and quit the program",
    "the voice in my head keeps telling me to cut corners at work",
    "the voices keep telling me to jump in and say something in group",
    "my brain keeps telling me to die on this hill",
    "my head keeps saying to die my hair blue",
    "my head keeps telling me to kill my cravings",
    "my head says beat him at chess",
    "i learned about the lethal dose of fentanyl in group",
    "narcan reverses a fatal dose of opioids",
    "which vein did the nurse use for my blood draw",
    "how many meetings until i die lol",
    "how long does it take to die down, the craving",
    "is hanging out at the bar going to hurt my recovery",
    "is jumping into a new job too fast",
    "the nurse did lethal means counseling with me",
    "my coach threw the ball at me",
    "my sister dragged me to the mall",
    "my wrestling partner pinned me in practice",
    "my friend pulled a prank on me",
    "the nurse put her hand on my shoulder",
    "",
]


@pytest.mark.parametrize(
    ("category", "text"),
    [(cat, text) for cat, texts in POSITIVES.items() for text in texts],
)
def test_positive(category: str, text: str) -> None:
    result = detect_crisis(text)
    assert result.crisis, text
    assert result.category == category
    assert result.tier in (1, 2, 3)
    assert result.rule


@pytest.mark.parametrize("text", NEGATIVES)
def test_negative(text: str) -> None:
    assert detect_crisis(text) == CrisisResult(False, None, None, None)


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("i'm going to kill myself tonight", 1),
        ("took the whole bottle", 1),
        ("been looking up ways to kill myself", 1),
        ("i want to die", 2),
        ("everyone would be better off without me", 3),
        ("he said he's going to shoot me", 1),
        # carbon monoxide: certain enough for the card unless the model doubts it (tier 2)
        ("long day. i sat in the garage with the car running for a while and idk", 2),
        ("sitting in the car in the garage with the engine on", 2),
        ("got a hose to run from the exhaust into the car", 2),
        # a voice telling someone to die: the card unless the model doubts it; a question
        # about how lethal a method is: the question
        ("the voices keep saying to kill myself", 2),
        ("how much tylenol would it take to die", 3),
    ],
)
def test_tiers(text: str, tier: int) -> None:
    assert detect_crisis(text).tier == tier


@pytest.mark.parametrize(
    "text",
    [
        "i want to d\u200bie",  # zero-width space
        "i\u2060 want\u200d to\ufeff die",  # word joiner, ZWJ, BOM
        "i w4nt t0 d1e",  # leetspeak
        "i want to diiiieeeee",  # stretched letters
        "I WANT TO DIE!!!",
        "ｉ ｗａｎｔ ｔｏ ｄｉｅ",  # fullwidth, folded by NFKC
        "i don\u2019t want to live",  # curly apostrophe
        "i don`t want to live",
        "i dont want to live",
        "k1ll myself",
        "i want to\tdie",
        "i want to\x00 die",
    ],
)
def test_normalisation(text: str) -> None:
    assert detect_crisis(text).category == "suicide"


@pytest.mark.parametrize(
    ("dropped", "spelled"),
    [
        ("i been savin my pills for weeks", "i been saving my pills for weeks"),
        ("im thinkin bout killin myself", "im thinking about killing myself"),
        ("he keeps threatenin me", "he keeps threatening me"),
    ],
)
def test_a_dropped_g_reads_as_the_word(dropped: str, spelled: str) -> None:
    """ "savin'" is "saving" to the rules."""
    assert crisis.normalise(dropped) == crisis.normalise(spelled)
    assert detect_crisis(dropped).rule == detect_crisis(spelled).rule


def test_a_word_that_only_ends_in_in_is_left_as_it_is() -> None:
    assert crisis.normalise("My cousin's heroin, begin again") == "my cousins heroin, begin again"


def test_curly_apostrophe_negation() -> None:
    assert not detect_crisis("I don\u2019t want to die").crisis
    assert not detect_crisis("I\u2019m not going to hurt myself").crisis


def test_buried_in_long_message() -> None:
    filler = "we talked about boundaries at group and the coffee was bad. " * 150
    assert detect_crisis(filler + "honestly i want to kill myself. " + filler).crisis
    assert not detect_crisis(filler).crisis


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\t", "a" * 10_000, "😀" * 5_000, "\u200b" * 1000, "\x00\x01\x7f", "اكتب 你好 ёж"],
)
def test_robust_inputs(text: str) -> None:
    assert isinstance(detect_crisis(text), CrisisResult)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises(text: str) -> None:
    result = detect_crisis(text)
    assert isinstance(result, CrisisResult)
    assert result.crisis is (result.category is not None)


def test_result_shape_and_no_user_text() -> None:
    secret = "i want to kill myself zqxjvw"
    result = detect_crisis(secret)
    assert result.as_dict() == {
        "crisis": True,
        "action": None,  # the rules alone decide no response: the screen does (state.language)
        "category": "suicide",
        "tier": result.tier,
        "rule": result.rule,
        "score": 0.0,
        "model": None,
    }
    for value in result.as_dict().values():
        assert "zqxjvw" not in str(value)
    for rows in POSITIVES.values():
        for text in rows:
            rule = detect_crisis(text).rule or ""
            assert text.lower() not in rule


def test_rules_are_data() -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", LEXICON_VERSION)
    ids = [rule_id for rule_id, *_ in RULES]
    assert len(ids) == len(set(ids))
    for rule_id, category, tier, pattern, _negatable in RULES:
        assert re.fullmatch(r"[a-z0-9_]+", rule_id)
        assert category in CATEGORIES
        assert tier in (1, 2, 3)
        assert isinstance(pattern, re.Pattern)
    assert {category for _, category, *_ in RULES} == set(CATEGORIES)


# ------------------------------------------------------------------------ evaluation set


def _load() -> list[dict]:
    return [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line]


def _rates(rows: list[dict]) -> tuple[float, float]:
    pos = [r for r in rows if r["crisis"]]
    neg = [r for r in rows if not r["crisis"]]
    recall = sum(detect_crisis(r["text"]).crisis for r in pos) / len(pos)
    fpr = sum(detect_crisis(r["text"]).crisis for r in neg) / len(neg)
    return recall, fpr


def test_eval_set_shape() -> None:
    rows = _load()
    for r in rows:
        assert set(r) == {"text", "crisis", "category", "split"}
        assert r["split"] in ("tune", "heldout")
        assert (r["category"] in CATEGORIES) if r["crisis"] else r["category"] is None
    pos = [r for r in rows if r["crisis"]]
    assert len(pos) >= 60
    assert len(rows) - len(pos) >= 100
    assert {r["category"] for r in pos} == set(CATEGORIES)
    assert len({r["text"] for r in rows}) == len(rows)
    for split in ("tune", "heldout"):
        assert any(r["split"] == split and r["crisis"] for r in rows)
        assert any(r["split"] == split and not r["crisis"] for r in rows)


@pytest.mark.parametrize("split", ["heldout", "all"])
def test_eval_recall_and_false_positives(split: str) -> None:
    rows = [r for r in _load() if split == "all" or r["split"] == split]
    recall, fpr = _rates(rows)
    assert recall >= 0.92, f"{split} recall {recall:.3f}"
    assert fpr <= 0.08, f"{split} false-positive rate {fpr:.3f}"


def test_laughter_said_to_be_no_joke_is_not_laughter() -> None:
    """The model's laughter cue lowers a reading a lot; "not kidding" held "kidding", and "lol
    ... for real tho" is nervous laughter, not a punchline."""
    for text in ("i want to be dead, not kidding", "lol i want to die. for real though"):
        found = crisis.cues(crisis.normalise(text))
        assert found["sincere"] and not found["laugh"], text
    found = crisis.cues(crisis.normalise("my boss is gonna kill me lol"))
    assert found["laugh"] and not found["sincere"]


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        (
            "gave my coins to my sponsor, he can give them to someone who'll be around to use them",
            "finality",
        ),
        ("called my grandma just to hear her voice one last time", "finality"),
        ("I won't need my stuff anymore", "finality"),
        ("rehomed both cats this week", "giving-away"),
        ("I made a list of who gets what", "giving-away"),
        ("been hoarding my suboxone strips", "saving-up"),
        ("got refills early at two pharmacies", "saving-up"),
    ],
)
def test_warning_signs_of_preparation_are_features_for_the_model(text, cue):
    """Preparation no rule can call certain (finality, giving things away, saving up) reaches
    the model as a feature; a plain message carries none of them."""
    from state import crisis

    assert crisis.cues(crisis.normalise(text))[cue]
    plain = crisis.cues(crisis.normalise("we had pizza after group and talked about the game"))
    assert not any(plain[c] for c in ("finality", "giving-away", "saving-up"))
    assert set(crisis.CUE_NAMES) == set(plain)  # what the recipe names is what cues reports


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("yes", "yes"),
        ("Yeah.", "yes"),
        ("kinda", "yes"),
        ("No, I\u2019m safe", "safe"),
        ("im safe", "safe"),
        ("numbers", "numbers"),
        # as people write them (from a review): a yes said first, help asked for, unsure
        ("Yes, I am", "yes"),
        ("yeah sometimes", "yes"),
        ("yes \U0001f61e", "yes"),
        ("honestly yes", "yes"),
        ("i need help", "yes"),
        ("no im not safe", "yes"),
        ("idk", "yes"),
        ("no im not", "safe"),
        ("no but i think about it at night", None),  # not read as safe: asked again
        ("nope im ok", "safe"),
        ("no i'm safe", "safe"),
        ("nah i'm good, thanks", "safe"),
        ("no no im fine lol", "safe"),
        ("nah i'm good", "safe"),
        ("no thank u", "safe"),
        ("nope thanks", "safe"),
        ("no thanks but", None),
        ("no just tired", None),  # "just tired" can be passive ideation: asked again
        ("no im ok though", None),
        ("no i just want to die", None),  # the screen reads it: more danger answers yes
        ("nope im ok but i keep thinking about it", None),
        ("not really", None),
        # a participant trial: someone else's, in words (the numbers, on their card); a yes
        # said in two hedges; a plain no with a plain reason
        ("no it's my brother", "theirs"),
        ("not me, my friend", "theirs"),
        ("no, I was talking about my sponsee", "theirs"),
        ("it's my son, not me", "theirs"),
        ("I'm safe, it was my friend", "theirs"),
        ("no my mom is just annoying", None),
        ("kind of, sometimes", "yes"),
        ("sometimes yeah", "yes"),
        ("a", None),
        ("nah I'm good, let's keep going", "safe"),
        ("I'm fine, just venting", "safe"),
        ("I'm not suicidal, I'm just angry", "safe"),
        # a sixth trial, asked after a false alarm: a laugh, a saying, the role-play
        ("no im ok, just venting lol", "safe"),
        ("nope im ok lol its an expression", "safe"),
        ("I'm ok, that was the role-play", "safe"),
        ("im ok lol just tired", None),
        ("im fine lmao", None),  # a laugh alone is no answer (a reviewer)
        ("im ok lol", None),
        ("naw im ok its an expression", "safe"),
        ("no im ok lol but i keep thinking about it", None),
        ("ok so what do I say to her", None),
        ("yesterday was hard", None),
        ("maybe later we can talk about the schedule", None),  # not an answer: read as text
        ("", None),
    ],
)
def test_an_answer_to_the_direct_question_typed_in_words(typed: str, meant: str | None) -> None:
    from state.safety import typed_answer

    assert typed_answer(typed) == meant


_CLAUSEY = st.sampled_from(
    [" ", "  ", "\n", "\x1c", "\u2028", ".", ",", "!", "?", ";", ":", "~", "-", "_", "'", "é"]
    + ["not", "never", "no", "nobody", "but", "and", "so", "yet", "cause", "because"]
    + ["although", "though", "butter", "also", "not2", "i", "hurt", "myself", "x"]
    + ["ok", "fine", "with", "he", "lol", "one", "nope"]  # interjections and closed negators
)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(_CLAUSEY, max_size=30).map("".join)
    | st.lists(_CLAUSEY, max_size=12).map(" ".join)  # word by word: negators in a scope
    | st.text(max_size=60)
)
def test_negated_words_read_by_words_are_what_the_clause_split_finds(text):
    """`negated_words` walks normalised text word by word; `_negated_words` (any text) splits
    at _CLAUSE: the same words, whatever the text."""
    assert crisis.negated_words(text) == crisis._negated_words(text)


@pytest.mark.parametrize(
    ("text", "scoped"),
    [
        # a "no" before a subject answers or interjects: nothing after it is negated
        ("no i just want to die", []),
        ("no no i want to kill myself", []),
        ("lol no he hit me again", []),
        ("no i would never hurt myself", ["hurt", "myself"]),  # "never" still negates
        ("no i do not want to die", ["want", "to", "die"]),
        # a determiner "no" negates what it governs
        ("no one would miss me", ["one", "would", "mis", "me"]),
        ("there is no way i would kill myself", ["way", "i", "would", "kil", "myself"]),
        # "not ok" is a whole statement: what follows is a clause of its own
        ("i am not ok i want to die", ["ok"]),
        ("i am not fine i took all my pills", ["fine"]),
        ("i am not ok with hurting myself", ["ok", "with", "hurting", "myself"]),
        ("i am not ok no i want to die", ["ok"]),
        # a second negator inside the first one's scope, closed ("nobody knows im not ok")
        ("no one knows im not ok i want to die", ["one", "knows", "i", "am", "ok"]),
        ("i cant say im not ok i want to die", ["say", "i", "am", "ok"]),
        ("no not ok i want to die", ["ok"]),
        # a verb of stopping is all a negator just before it negates: what follows goes on
        ("i cant stop thinking about killing myself", ["stop"]),
        ("i have not stopped cutting", ["stoped"]),
        ("i could not help cutting again", ["help"]),
        ("it does not help to think about it", ["help", "to", "think", "about", "it"]),
        ("i will never say i can not stop crying", ["say", "i", "can", "stop"]),
        ("i do not want to stop taking my meds", ["want", "to", "stop", "taking", "my", "meds"]),
    ],
)
def test_what_a_negator_governs_in_texting_without_punctuation(text, scoped):
    t = crisis.normalise(text)
    assert crisis.negated_words(t) == scoped
    assert crisis._negated_words(t) == scoped


@pytest.mark.parametrize(
    "text",
    [
        "no i just want to die",
        "no im not ok i want to die",
        "nope i still want to kill myself",
        "no i'm going to kill myself tonight",
        "no he said he'll kill me if i leave",
        "i am not ok i want to die",
    ],
)
def test_a_leading_no_or_not_ok_hides_no_crisis_words_from_the_rules(text):
    """An answer to a character, or to the direct question, often opens with "no"; without a
    comma the rules once read it as negating what came after."""
    assert crisis.detect_crisis(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        "My job is going fine and my kids are healthy. Even so, I can't stop thinking about"
        " suicide.",
        "I can't help thinking about suicide.",
        "i cant stop thinking abt killing myself",
        "I couldn't stop cutting last night.",
        "I can't quit thinking about ending my life.",
        "I haven't stopped thinking about killing myself",
    ],
)
def test_a_negated_verb_of_stopping_is_no_negation(text):
    """A negated "stop" ("can't stop thinking about it") says it goes on; the rules once read
    the "not" as negating what followed, and the first message here drew nothing at all."""
    assert crisis.detect_crisis(text).crisis
    assert screen_text(text).crisis


@pytest.mark.parametrize(
    ("text", "history"),
    [
        ("i was suicidal in 2019, doing way better now", True),
        ("i overdosed in 2018, 5 years clean now", True),
        ("i tried to kill myself in 2016, now i'm a peer counselor", True),
        ("I tried to kill myself in 2015. Now I am doing well!", True),
        # a year alone is no history: a plan, danger since, a later year, a dose, a recovery
        # undone or someone else's (two reviews)
        ("i tried to kill myself in 2019 and im not better", False),
        ("i tried to kill myself in 2019 🙃 im better off gone", False),
        ("i tried to kill myself in 2019 and therapy didnt help", False),
        ("my ex strangled me in 2020 , hes in recovery and just moved in next door", False),
        ("i overdosed in 2019 , clean 3 yrs , picked up on friday", False),
        ("i tried to kill myself in 2015 and i'm going to finish it this time", False),
        ("i tried to kill myself in 2015 i have a plan", False),
        ("i overdosed back in 2020 and i'm using alone with no narcan", False),
        ("i was suicidal in 2022 and since christmas", False),
        ("i was suicidal in 2019 and im feeling it now", False),
        ("my ex strangled me in 2021. he found my new address", False),
        ("i was suicidal in 2025, doing better now", False),
        ("i overdosed in 2000 mg of tylenol, im better now", False),
        # the act taken up again after any history
        ("i tried to kill myself years ago and i'm going to finish it this time", False),
    ],
)
def test_a_year_long_past_is_history_only_with_recovery_told(text, history):
    """Lexicon 2026.12.31: "i was suicidal in 2019, doing way better now" drew the question (a
    participant trial). A year three or more back is history only when all that follows it is
    the writer's recovery, told plainly; two reviews wrote the messages that must still fire.
    The rules only: the model may still let a hit go ("... and therapy didnt help", p 0.003, is
    dismissed as the telling of a past it reads as history; the thresholds are chosen on data)."""
    assert crisis.detect_crisis(text).crisis is not history


@pytest.mark.parametrize(
    "text",
    [
        "I will never stop wanting to live",
        "I'll never quit wanting to live",
        "I could never stop wanting to live for my kids",
        "It doesn't help to think about suicide all day, so I call my sponsor.",
    ],
)
def test_a_negated_stopping_that_is_the_hit_itself_stays_negated(text):
    """Where the stopping is the rule's own first word ("stop wanting to live"), the negator
    negates the hit: a hopeful sentence, once given the card (a review's find). "Doesn't help
    to" is no "can't help": what follows stays negated."""
    assert not crisis.detect_crisis(text).crisis


def test_negated_words_of_every_training_text_are_the_clause_split_s():
    lines = [ex.text for ex in crisis_examples() + style_examples()]
    for t in map(crisis.normalise, lines):
        assert crisis.negated_words(t) == crisis._negated_words(t), t
    # the clause words are _CLAUSE's own
    words = crisis._CLAUSE.pattern.split(r"\b(")[1].split(r")\b")[0].split("|")
    assert {crisis._CLAUSE_MARK, *words} == crisis._CLAUSE_WORDS


@pytest.mark.parametrize(
    "text",
    [
        "i tried to end my life after my deployment. it's been 9 years since",
        "I cut myself when I was 14, decades ago",
        "that was 2014, he moved away",
        "in my twenties i overdosed twice",
        "i have six years clean",
    ],
)
def test_an_event_dated_long_ago_is_a_feature_for_the_model(text):
    """History often dates itself in the next sentence, where the rules' past test (a marker
    before the hit, in its clause) doesn't look; the model weighs the date with the rest."""
    assert crisis.cues(crisis.normalise(text))["dated"]


@pytest.mark.parametrize(
    "text",
    [
        "dad's revolver, tonight at 10",
        "i took 20 pills",
        "kms",
        "I took 2000 mg of tylenol and I feel sick",  # a dose, not a year
        "i have been cutting for a few years now and it is getting worse",  # runs to now
        "i have wanted to die for two years now",
        "when i was 14 i tried to kill myself. i think about it again every day",  # goes on
        "back in 2019 i overdosed and i still think about doing it",
    ],
)
def test_a_time_a_count_or_what_goes_on_is_no_date(text):
    assert not crisis.cues(crisis.normalise(text))["dated"]


@pytest.mark.parametrize(
    "text",
    [
        "I tried to hang myself on Sunday but the bar broke.",
        "Last night I tried to kill myself.",
        "tried to od 2 days ago and woke up in my car",
        "I attempted suicide last week and just got out of the hospital.",
        "I made a suicide attempt over the weekend, nobody knows.",
        "I tried to end it all this morning.",
        "bro i tried to off myself last nite. rope broke",
        "I tried to hang myself two weeks ago",
        "tried to kill myself yday",
        "I tried to hang myself but the rope broke",
        "im back from the hospital after my attempt",
        # a review's: a negator governing knowing or telling is no denial of the attempt
        "no one knows i tried to hang myself last night",
        "i never told anyone i tried to hang myself yesterday",
        "I don't know why I tried to hang myself last night",
        "i can't believe i tried to end it last night",
    ],
)
def test_a_suicide_attempt_dated_now_is_the_card_rule(text):
    """A recent attempt told in the past tense drew nothing at all ("i tried to hang myself last
    night": no rule, p 0.02): the past tense read as history. A time that makes it now (last
    night, on sunday, two weeks ago), a failure just now (the rope broke) or the hospital
    after it is the rule `s_attempt_recent`, and the card."""
    found = crisis.detect_crisis(text)
    assert (found.crisis, found.rule, found.tier) == (True, "s_attempt_recent", 1)
    assert screen_text(text).action == crisis.CARD


@pytest.mark.parametrize(
    "text",
    [
        "i attempted last night. not asking for anything",
        "still got the hospital bracelet on from my attempt monday",
        "made an attempt this weekend. still here obviously",
    ],
)
def test_attempt_alone_dated_now_is_at_least_the_question(text):
    """The word "attempt" alone is how people in treatment say it, and also how they say they
    tried a recipe: `s_attempt_word` is the question's tier, the model may make it the card."""
    assert crisis.detect_crisis(text).rule == "s_attempt_word"
    assert screen_text(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        "I tried to hang myself when I was seventeen. Group is the first place I said it.",
        "Yesterday in group my friend said she tried to kill herself.",
        "I didn't try to kill myself last night, I just needed to talk.",
        "Last night I tried to hang a shelf by myself.",
        "In group today I talked about the time I tried to hang myself in college.",
        "I attempted a 10k on Sunday.",
        "My attempt at the cheesecake last night was a disaster.",
        # a review's false cards
        "i tried to jump back into work today",
        "I tried to jump on the call this morning",
        "I tried to die my hair today",
        "i tried to drown myself in work this week",
        "i tried to gas myself up before the interview today",
        "I tried to end it early tonight, just exhausted",
        "Today marks 2 years since I attempted suicide",
        "It's been a year today since my attempt",
        "Last week my psychiatrist and I went over my attempt history",
        "i talked about the time i tried to hang myself in group today",
        "we talked in group today about when i tried to end it in college",
        "i made an attempt this morning to meditate",
    ],
)
def test_an_attempt_long_ago_told_or_someone_else_s_is_no_recent_attempt(text):
    assert crisis.detect_crisis(text).rule not in ("s_attempt_recent", "s_attempt_word")
    assert screen_text(text).action != crisis.CARD


_ATTEMPT_CARD = pytest.mark.xfail(
    strict=True, reason="known false cards of crisis-0c4dd35ebaf8 on 'attempt' (stop note, #15)"
)


@pytest.mark.parametrize(
    "text",
    [
        # the model read "finished it" as ending it, until session 25's retrain
        "I attempted a 10k on Sunday and finished it.",
        # s_attempt_word, and the model agrees
        pytest.param("My first attempt failed today", marks=_ATTEMPT_CARD),
        pytest.param("Today I attempted, it went badly", marks=_ATTEMPT_CARD),
    ],
)
def test_attempt_in_an_everyday_sense_gets_no_card(text):
    """Known defects, kept visible: the model trained on recent attempts reads these as the
    card. `strict`: a model that reads them right makes this fail, and the mark goes."""
    assert screen_text(text).action != crisis.CARD


@pytest.mark.parametrize(
    ("text", "means"),
    [
        ("I have a plan and the means, I just need to pick the day.", True),
        ("i got the means and a plan", True),
        ("I have a plan and the means to do it.", True),
        ("i have a plan and means", True),
        ("i have a plan and i have the means", True),
        ("I have a plan and the means to pay off my debt.", False),
        ("We finally have a plan and the means for a new roof.", False),
        ("i have a plan and the means now to move out", False),
    ],
)
def test_a_plan_and_the_means_is_the_means_rule(text, means):
    """A plan and the means drew nothing (p 0.03, coached as assertive) in a participant
    trial; the means to pay rent is no means. The rule is tier 1: the card, or the question
    where the model reads the message below the veto."""
    assert (crisis.detect_crisis(text).rule == "s_means") is means
    if means:
        assert screen_text(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        "I lost my job last year, i want to kill myself",
        "i got sober last year but i want to die",
        "ever since last year he hits me",
        "last year he threatened to kill me",
        "a year ago he started hitting me",
    ],
)
def test_last_year_is_no_history_marker(text):
    """Lexicon 2026.12.17 made "last year" a past marker, and a review found it silenced present
    danger ("i got sober last year but i want to die" drew nothing); 2026.12.19 took it out."""
    assert crisis.detect_crisis(text).crisis
    assert screen_text(text).crisis


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I've been looking up how many of my lithium it would take.", "s_dose_search"),
        ("googled how many pills it takes to die", "s_dose_search"),
        ("wondering how many of my sleeping pills would it take to not wake up", "s_dose_search"),
        ("I'm at the train tracks. The next train comes in 15 minutes.", "s_place_now"),
        ("im standing on the wrong side of the railing", "s_place_now"),
        ("I looked up how much money it would take to move to Denver.", None),
        ("I looked up how many Advil it would take to help a migraine.", None),
        ("I'm at the train station, the tracks are flooded.", None),
        ("We walked along the railroad tracks as kids.", None),
    ],
)
def test_a_dose_looked_up_or_a_place_one_stands_now(text, rule):
    """From a participant trial: "looking up how many of my lithium it would take", buried in a
    calm message, and "I'm at the train tracks" drew nothing."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("what happens if you take 30 benadryl", "od_what_if"),
        ("what happens if i take like 20 of my seroquel", "od_what_if"),
        ("what happens if I take half of my prescription", "od_what_if"),
        ("how many feet do you need to fall to die", "s_lethality"),
        ("how many floors would it take to die", "s_lethality"),
        ("what happens if you take 10 mg of melatonin", None),
        ("what happens if you take 2 advil", None),
        ("what happens if i take 20 minutes to answer", None),
        ("what happens if my dog eats 10 grapes", None),
        ("what happens if you take 15 steps back", None),
        ("how many stories is the library", None),
    ],
)
def test_a_count_of_pills_or_a_height_asked_about(text, rule):
    """My own probes, lexicon 2026.12.23: these questions drew nothing (p 0.005 and 0.008)."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("i dont feel like livin anymore", "s_no_live"),
        ("i feel like dying", "s_no_live"),
        ("i don't feel like living with my parents anymore", None),
        ("i feel like dying of boredom in this meeting", None),
        ("im thinkin about hangin myself", "s_kill_myself"),
        ("i keep thinking about shooting myself", "s_kill_myself"),
        ("I shot myself in the foot there", None),
        ("drowning myself in work lol", None),
        ("gassing myself up before the interview", None),
        ("I can't take this shit any longer", "s_cant_go_on"),
        ("ugh. can't do this no more", "s_cant_go_on"),
        ("my knees can't take it anymore", None),
        ("im so done with life.", "s_cant_go_on"),
        ("I'm done with this life of drinking, time for something new", None),
        ("i am done with my life being run by alcohol", None),
        ("im not done with my life yet", None),
        ("cutting myself some slack today", None),
        ("I'm cutting myself off from my old using friends", None),
        ("burnin myself out at work", None),
        ("he keeps hittin me up for money", None),
        ("im killing myself studying for finals", None),
        ("how many feet does a cat need to fall to die", None),
        ("how many floors do i have to climb to die of exhaustion lol", None),
        ("how many feet to die from a fall", "s_lethality"),
        ("been cuttin onions and cryin", None),
        ("been cutting again", "sh_cutting"),
        ("what would happen if my son took 12 of his adderall", "od_what_if"),
        ("what happens if i take 2 tylenol with my meds", None),
        ("what happens if i take 15 capsules of fish oil a day", None),
    ],
)
def test_what_a_reviewer_found_in_lexicon_2026_12_23(text, rule):
    """A reviewer's own sentences against the first draft of 2026.12.23: false fires (a
    knee that can't take it, "cutting myself some slack", which drew the card) and misses."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("My son told me he wants to kill himself and he has my pills", "s_someone_else"),
        ("my daughter says she wants to kill herself", "s_someone_else"),
        ("my husband is talking about killing himself", "s_someone_else"),
        ("my sister keeps texting about wanting to die", "s_someone_else"),
        ("he wants to kill himself lol he lost fantasy football", None),
        ("my uncle killed himself in 2009", None),
        ("Hx of attempts x2, current ideation", "s_suicidal"),
        ("no ideation today", None),
        ("denies ideation", None),
    ],
)
def test_someone_else_at_risk_now_and_charted_ideation(text, rule):
    """A participant trial (lexicon 2026.12.24): a son's stated wish to die, with the writer's
    pills, drew only the question; "current ideation" drew nothing."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("my daughter talks about killing herself sometimes", "s_someone_else"),
        ("my friend said she might end her life", "s_someone_else"),
        ("she keeps talking about wanting to die", "s_someone_else"),
        ("he talks about ending his life when he drinks", "s_someone_else"),
        ("my cousin keeps talking about ending his life", "s_someone_else"),
        ("my teen has been posting about not wanting to be alive", "s_someone_else"),
        ("what happens if my cousin takes 20 of my xanax", "od_what_if"),
        ("my dad will kill himself laughing when he sees this", None),
        ("my sister is talking about ending it with her boyfriend", None),
        ("my mom is talking about suicide prevention week at her school", None),
        ("she said she might end her lease early", None),
        ("my son talked a lot about suicide before rehab, he is doing well now", None),
    ],
)
def test_someone_else_s_danger_said_mildly_or_as_talk(text, rule):
    """Lexicon 2026.12.25, from my probes before set G was scored on any change: a parent's
    "she talks about killing herself sometimes" drew nothing (p 0.02), as did "said she might
    end her life"; _KIN is now "my " + _SOMEONE (a cousin, a best friend, a teen)."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("they talk about suicide in group every week", None),
        ("they are talking about suicide on the news", None),
        ("he talks about suicide bombers", None),
        ("he talks about suicide in his podcast", None),
        ("my wife keeps talking about ending it. the marriage i mean", None),
        ("my kid keeps talking about not wanting to be here at camp", None),
        ("he said he might kill himself over this exam lol", None),
        ("my friend might kill herself", "s_someone_else"),
        ("my sister took her own life and i want to join her", "s_join_the_dead"),
        ("my dad passed and honestly i just want to be with him again", "s_join_the_dead"),
        ("my mom died last year and i dont want to be with her family at christmas", None),
        ("i dont want to join her for lunch", None),
    ],
)
def test_what_a_reviewer_found_in_lexicon_2026_12_25(text, rule):
    """Lexicon 2026.12.26: the widened s_someone_else drew cards on the news, a film, a
    marriage ending and camp; a modal without "said" and a wish to join someone who died
    were missed."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("You can have my guitar, I'm giving my stuff away.", "s_preparation"),
        ("Go ahead, cut in, I won't need groceries where I'm going.", "s_finality"),
        ("Don't worry mom, you won't have to plan my birthday next year.", "s_finality"),
        ("Honestly Dev, I don't care what happens to me anymore.", "s_finality"),
        ("My partner said everyone would be better off without him.", "s_someone_else"),
        ("I'm worried my husband might do something to himself.", "s_someone_else"),
        ("we wont have to plan my birthday next year, i'm doing a trip", None),
        ("you won't have to deal with me much longer, i'm moving to denver in june", None),
        ("im giving my old stuff away before the move", None),
    ],
)
def test_what_a_participant_trial_found_in_lexicon_2026_12_26(text, rule):
    """Lexicon 2026.12.27: finality said to a character and someone else's danger in a
    participant trial's words were coached as replies (each got a style)."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("You can have my guitar, I won't be needing it.", "s_finality"),
        ("you can keep my hoodie i wont need it anymore", "s_finality"),
        ("just take my car, i won't need it after tonight", "s_finality"),
        ("you can have my old phone, i won't need it since i got a new one", None),
        ("you can have my tent, i won't need it anymore, we're moving to the city", None),
        ("go ahead and take my notes, I won't need them anymore, the exam is finished", None),
        ("you can have my bike i won't be needing it this summer", None),
        ("you can keep my cleats, I won't need them anymore since I quit soccer", None),
        # the most alarming handovers are not let go by a time word (a reviewer, .30)
        (
            "you can have my pills, i won't be needing them after tonight, this is goodbye",
            "s_finality",
        ),
        ("you can have my car, i won't be needing it. i'm done", "s_finality"),
        ("you can have my guitar i won't need it anymore, it's over for me", "s_finality"),
        ("go ahead and take my notes, I won't need them anymore, i'm done with the class", None),
        ("i'm so tired of everything, i want it all to stop", "s_all_stop"),
        ("i need everything to stop", "s_all_stop"),
        ("nobody cares i just want it all to stop", "s_all_stop"),
        ("i don't care anymore i want it all to stop", "s_all_stop"),
        ("i want it all to stop for a minute so i can breathe", None),
        ("i want it all to end between us", None),
        ("i want it all to stop raining", None),
        # s_disappear stays unnegated: these "not"s deny nothing (a reviewer, .30)
        ("i just want to go to sleep and never wake up", "s_disappear"),
        ("i don't care if i never wake up", "s_disappear"),
        ("i wouldn't mind if i never wake up", "s_disappear"),
        ("honestly i wouldn't mind if i disappear forever", "s_disappear"),
    ],
)
def test_things_handed_over_for_good_and_wanting_it_all_to_stop(text, rule):
    """Lexicons 2026.12.28-30: "I won't be needing it" said of a thing given away, and "I
    want it all to stop", drew nothing; a replacement, a move, a pause or a breakup do not
    count. .29 made s_disappear negatable and lost "i don't care if i never wake up"; .30
    gives "it all to stop" a rule of its own and leaves s_disappear as it was."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("no quiero vivir más, I'm serious", "s_es"),
        ("me quiero morir", "s_es"),
        ("quiero matarme", "s_es"),
        ("no aguanto mas me quiero morir", "s_es"),
        ("me quiero matar con las pastillas de mi mamá", "s_es"),
        ("si me deja me ahorco", "s_es"),
        ("mi esposo me pegó otra vez last night", "dfo_es"),
        ("me pegó un puñetazo", "dfo_es"),
        ("he said me va a matar si lo dejo", "dfo_es"),
        ("mi jefe me va a matar, I forgot to send the report", None),
        ("mi perro se comió mi sandalia, lo voy a matar jaja", None),
        ("no quiero vivir con mis papas", None),
        ("nunca voy a matarme, tengo a mis hijos", None),
        ("me muero de risa jaja", None),
        ("me quiero morir de la vergüenza lol", None),
        ("mi mamá me va a matar si llego tarde", None),
        ("me voy a matar estudiando para el examen", None),
        ("me pegó la gripe bien fuerte", None),
        ("el covid me pegó duro", None),
        ("mi novio me pegó su gripa", None),
        ("cuando era niña mi mamá me pegaba con la chancla", None),
    ],
)
def test_code_switched_spanish(text, rule):
    """Lexicon 2026.12.21: US participants code-switch. Accents used to become gaps ("pegó" ->
    "peg"), and no rule read Spanish; its hyperbole with morir and matar stays ordinary. The
    rules hold their own negation: a nearby "no" ("no aguanto mas") denies nothing."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("having SI again", "s_suicidal"),
        ("my SI is loud tonight", "s_suicidal"),
        ("passive SI today but I'm using my skills", "s_suicidal"),
        ("i feel homicidal", "hto_intent"),
        ("having homicidal thoughts about my dad", "hto_intent"),
        ("no SI today", None),
        ("denied SI and HI at intake", None),
        ("si, I'll be there at 5", None),
        ("sí today works for me", None),
        ("having SI joint pain again", None),
        ("gặp bác sĩ today", None),
        ("that show about a homicidal nurse is wild", None),
        ("hi thoughts on the new group schedule?", None),
        ("my glucose meter was having HI readings", None),
    ],
)
def test_clinical_shorthand(text, rule):
    """SI and HI as people in treatment say them ("having SI again" drew nothing before
    2026.12.21, nor did "homicidal"); a denial, Spanish "si" and a greeting are none."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("sitting with my pistol in my lap", "s_means"),
        ("I have a loaded gun next to me", "s_means"),
        ("my gun is loaded and on the bed", "s_means"),
        ("went to the range earlier, now I'm sitting with my pistol", "s_means"),
        ("i counted my pills again, there's enough now", "od_stockpile"),
        ("i have enough pills saved", "od_stockpile"),
        ("my son got into my methadone i think, he's real sleepy", "od_poison"),
        ("my baby swallowed one of my pills", "od_poison"),
        ("my husband ate all my tylenol i think", "od_poison"),
        ("loaded my rifle for deer season opener saturday", None),
        ("I'm not holding my gun, my wife locked it up", None),
        ("holding the glue gun while my kid decorates", None),
        ("my wife is holding my gun until I finish IOP", None),
        ("he loaded his gun and said he'd kill me", "dfo_threat_kill"),
        ("counted my pills for the week, I have enough until my refill", None),
        ("counted my pills and I don't have enough", None),
        ("I have enough medication stored for the hurricane", None),
        ("my toddler got into the flour lol", None),
        ("my grandma swallowed her pills with applesauce", None),
    ],
)
def test_a_gun_readied_pills_counted_someone_else_s_poisoning(text, rule):
    """Lexicon 2026.12.21, from messages of my own that drew nothing or only the question:
    a gun got out and loaded, pills counted until there are enough, a child into the
    methadone. Hunting, a week's pill count and a toddler in the flour stay ordinary."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Went to a meeting. Took all of my remaining Ativan around noon.", "od_take_all"),
        ("me corté anoche otra vez, en los brazos", "sh_es"),
        ("Lo voy a matar a ese cabrón, tengo la pistola en el carro", "hto_es"),
        ("mi niño se tomó el jarabe y unas pastillas mías", "od_es"),
        ("HI toward my landlord, I keep picturing it", "hto_intent"),
        ("my husband loaded the gun and told me to watch my mouth", "dfo_assault"),
        ("I took all my lexapro this morning like I am supposed to", None),
        ("me corté el dedo cocinando", None),
        ("mi mamá se tomó sus pastillas", None),
        ("my husband loaded his rifle for deer season", None),
    ],
)
def test_what_a_participant_trial_found_unread(text, rule):
    """Lexicon 2026.12.21's second half, from a participant trial's misses (tuned on): an
    overdose of a named medication buried in a check-in, Spanish self-harm, a threat and a
    child into the medication, "HI toward", and a partner's gun filed as the writer's."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("what's the point anymore?", "s_no_point"),
        ("whats even the point anymore", "s_no_point"),
        ("what is the point of anything anymore", "s_no_point"),
        ("whats the point anymore, they never read my reports", None),
        ("what is the point of this meeting", None),
    ],
)
def test_what_a_participant_trial_found_in_lexicon_2026_12_32(text, rule):
    """A fifth trial's "what's the point anymore?" was coached as an open question: said as
    the whole message it is the question tier's (tier 3); said of a job, the model's to weigh."""
    assert crisis.detect_crisis(text).rule == rule


@pytest.mark.parametrize(
    "text",
    [
        "if they cancel the launch party whats the point anymore",
        "whats the point anymore tbh, nobody reads my reports",
    ],
)
def test_the_point_anymore_said_of_something_else_is_no_rule_s(text):
    """A reviewer: said after or before something else, it is the model's to weigh."""
    assert crisis.detect_crisis(text).rule is None
