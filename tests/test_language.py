"""The trained readers: the shipped models, the screening policy, and what the coach may say.

Quality figures live in BENCHMARKS.md (bench.safety, bench.coach); these tests pin behaviour.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from state import coach, crisis
from state.crisis import ASK, CARD, NO_CRISIS, CrisisResult, about_someone_else
from state.language import data, features, train
from state.language.model import LinearModel, load, shipped
from state.language.screen import Thresholds, adjacent, decide, probability, screen
from state.language.screen import short as screen_short
from state.safety import (
    ASK_AGAIN,
    ASK_TEXT,
    BACK_TO_SCENE,
    DEFAULT_RESOURCES,
    OPENING,
    SAME_MOMENT,
    SOMEONE_OPENING,
    ResourcesError,
    ask_again_text,
    back_to_scene_text,
    crisis_card,
    parse_resources,
    question_text,
    resources_for,
    screen_text,
    still_reach_out_text,
)
from state.safety.card import OPENINGS
from texts import probable_theirs_text

# Each of these reads the training files or loads the scenario library (about a second a call)
# and gives the same rows every time: one read per test process serves every test here.
crisis_examples = cache(data.crisis_examples)
style_examples = cache(data.style_examples)
scenario_lines = cache(data.scenario_lines)

TH = Thresholds(card=0.8, ask=0.4, veto=0.2, dismiss=0.02)
RULE = CrisisResult(True, "suicide", 2, "s_kill_myself")


# ---- the shipped models ----------------------------------------------------------------


def test_shipped_models_were_trained_on_the_data_in_the_repository():
    """Data changed without `rehearse train`: the versions no longer match."""
    assert shipped("crisis").version == train.version("crisis", crisis_examples())
    assert shipped("style").version == train.version("style", style_examples())


def test_a_change_in_the_rules_changes_the_models_version(monkeypatch):
    """The rules' hits are features, and the version is stored with each safety event: a new
    lexicon must not ship under the old model's version."""
    assert train.RECIPE["lexicon"] == crisis.LEXICON_VERSION
    examples = crisis_examples()[:50]
    before = train.version("crisis", examples)
    monkeypatch.setitem(train.RECIPE, "lexicon", "1999.1.1")
    assert train.version("crisis", examples) != before
    assert shipped("crisis").meta["lexicon"] == crisis.LEXICON_VERSION


def test_training_never_reads_the_held_out_split():
    source = "".join(Path(module.__file__).read_text() for module in (train, features, data))
    assert "heldout(" not in source.replace("def heldout(", "")
    for path in (*data.CRISIS_FILES, *data.STYLE_FILES):
        assert data.HELDOUT not in path.parents


HELD_OUT_SETS = (
    "crisis",
    "crisis-b",
    "crisis-c",
    "crisis-d",
    "crisis-e",
    "crisis-f",
    "crisis-g",
    "styles",
    "styles-b",
)


def test_no_training_row_is_a_held_out_message():
    """A short message two authors both wrote ("nope im ok") is still a held-out message the
    model would have been trained on: training files hold none (the library's own lines, which
    training reads too, are what they are). Failures name files and line numbers, never a text."""
    held = {_same_text(r["text"]) for name in HELD_OUT_SETS for r in data.heldout(name)}
    shared = [
        f"{path.name}:{i + 1}"
        for path in (*data.CRISIS_FILES, *data.STYLE_FILES)
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines())
        if line.strip() and _same_text(json.loads(line)["text"]) in held
    ]
    assert shared == [], "training rows that are held-out messages"


CRISIS_CONSTRUCTS = tuple(c for c in data.CATEGORY_OF if c != "suicide")  # SPEC.md's ten
# The ordinary constructs of the sets in written English (SPEC-D.md, SPEC-E.md)
WRITTEN_ORDINARY = (
    "idiom",
    "negation",
    "history",
    "treatment-talk",
    "method-word-everyday",
    "hard-feelings",
    "roleplay-reply",
    "medication-everyday",
)
# (crisis minimums, ordinary constructs, ordinary minimum, crisis total, ordinary total)
SET_SPECS = {
    "crisis-b": (  # SPEC-B.md
        {
            "wish-dead": 15,
            "suicidal-thoughts": 15,
            "method": 20,
            "intent": 20,
            "plan": 20,
            "preparation": 20,
            "self-harm": 20,
            "overdose": 20,
            "danger-from-others": 15,
            "harm-to-others": 15,
        },
        (*WRITTEN_ORDINARY[:7], "everyday", "conflict"),  # not medication-everyday
        25,
        200,
        300,
    ),
    "crisis-c": (  # SPEC-C.md: the conversational register
        {
            "wish-dead": 20,
            "suicidal-thoughts": 15,
            "method": 15,
            "intent": 15,
            "plan": 12,
            "preparation": 12,
            "self-harm": 15,
            "overdose": 15,
            "danger-from-others": 12,
            "harm-to-others": 12,
        },
        (
            "answer-safe",
            "roleplay-reply",
            "short",
            "hard-feelings",
            "medication-everyday",
            "idiom",
            "negation",
            "checkin-answer",
        ),
        30,
        160,
        260,
    ),
    "crisis-d": (  # SPEC-D.md: standard written English
        {
            "wish-dead": 18,
            "suicidal-thoughts": 18,
            "method": 18,
            "intent": 18,
            "plan": 15,
            "preparation": 18,
            "self-harm": 16,
            "overdose": 16,
            "danger-from-others": 14,
            "harm-to-others": 14,
        },
        WRITTEN_ORDINARY,
        25,
        170,
        230,
    ),
    "crisis-e": (  # SPEC-E.md: many voices, every crisis construct at least 16
        dict.fromkeys(CRISIS_CONSTRUCTS, 16),
        WRITTEN_ORDINARY,
        30,
        200,
        280,
    ),
    "crisis-f": (  # SPEC-F.md: the quiet and indirect register, and its ordinary twins
        {
            **dict.fromkeys(CRISIS_CONSTRUCTS, 18),
            "wish-dead": 30,
            "plan": 30,
            "preparation": 30,
            "intent": 30,
        },
        (*WRITTEN_ORDINARY, "everyday-logistics"),
        25,
        250,
        300,
    ),
    "crisis-g": (  # SPEC-G.md: from the issue's own description, like the independent tester
        dict.fromkeys(CRISIS_CONSTRUCTS, 15),
        (*WRITTEN_ORDINARY[:7], "everyday", "conflict"),  # SPEC.md's nine
        30,
        165,
        300,
    ),
}
EARLIER_SETS = {
    "crisis-b": ("crisis",),
    "crisis-c": ("crisis", "crisis-b"),
    "crisis-d": ("crisis", "crisis-b", "crisis-c"),
    "crisis-e": ("crisis", "crisis-b", "crisis-c", "crisis-d"),
    "crisis-f": ("crisis", "crisis-b", "crisis-c", "crisis-d", "crisis-e"),
    "crisis-g": ("crisis", "crisis-b", "crisis-c", "crisis-d", "crisis-e", "crisis-f"),
}


def _same_text(text: str) -> str:
    return " ".join(text.casefold().split())


@pytest.mark.parametrize("name", SET_SPECS)
def test_later_held_out_sets_load_and_keep_their_spec(name):
    """tests/data/heldout/crisis-b.jsonl to -f (SPEC-B.md to SPEC-F.md): format,
    minimum counts, no duplicates, nothing shared with an earlier held-out split. Failures name
    line numbers and counts, never a text: nobody tuning the detector may read these rows."""
    crisis_min, ordinary, ordinary_min, crisis_total, ordinary_total = SET_SPECS[name]
    lines = (data.HELDOUT / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    bad = [
        i + 1
        for i, r in enumerate(rows)
        if set(r) != {"text", "crisis", "construct"}
        or not isinstance(r["text"], str)
        or not r["text"].strip()
        or r["crisis"] is not (r["construct"] in crisis_min)
        or r["construct"] not in (*crisis_min, *ordinary)
    ]
    assert bad == [], "lines with a wrong field, label or construct"
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["construct"]] = counts.get(r["construct"], 0) + 1
    short = {c: counts.get(c, 0) for c, n in crisis_min.items() if counts.get(c, 0) < n}
    short |= {c: counts.get(c, 0) for c in ordinary if counts.get(c, 0) < ordinary_min}
    assert short == {}, "constructs under their minimum"
    assert sum(r["crisis"] for r in rows) >= crisis_total
    assert sum(not r["crisis"] for r in rows) >= ordinary_total
    texts = [_same_text(r["text"]) for r in rows]
    assert len(set(texts)) == len(texts), "duplicate texts"
    earlier = {_same_text(r["text"]) for e in EARLIER_SETS[name] for r in data.heldout(e)}
    shared = [i + 1 for i, t in enumerate(texts) if t in earlier]
    assert shared == [], "lines also in an earlier held-out split"
    # the bench reads these sets as it reads the first split
    examples = [data.Example(r["text"], *data.crisis_label(r), name) for r in rows]
    assert sum(ex.label != data.NONE for ex in examples) == sum(r["crisis"] for r in rows)


@pytest.mark.slow  # fits the models twice
def test_training_is_deterministic():
    examples = style_examples()[::7][:300]  # every style
    feats = [train.style_features(ex.text) for ex in examples]
    labels = [ex.label for ex in examples]
    one = train._fit("style", feats, labels, 4.0)
    two = train._fit("style", feats, labels, 4.0)
    assert one.index == two.index
    assert np.array_equal(one.weights, two.weights)
    assert np.array_equal(one.intercept, two.intercept)


def test_across_writers_no_file_is_scored_by_a_model_that_read_it(monkeypatch):
    """bench.crisis_sources: each source file is read by models trained on the others only."""
    examples = style_examples()[::5][:400]
    feats = [train.style_features(ex.text) for ex in examples]
    source_of = {id(f): ex.source for f, ex in zip(feats, examples, strict=True)}
    read: dict[int, set[str]] = {}  # each fold's model -> the sources it was trained on
    real_fit = train._fit

    def fit(name, fold_feats, labels, c):
        model = real_fit(name, fold_feats, labels, c)
        read[id(model)] = {source_of[id(f)] for f in fold_feats}
        return model

    monkeypatch.setattr(train, "_fit", fit)
    models = train._out_of_fold(examples, feats, 4.0, "style", by_source=True)
    assert len(read) == len({id(m) for m in models}) == train.RECIPE["folds"]
    for ex, m in zip(examples, models, strict=True):
        assert ex.source not in read[id(m)], ex.source


def test_thresholds_given_are_reported_not_chosen():
    examples = crisis_examples()[::40]
    p = [0.9 if ex.label != data.NONE else 0.1 for ex in examples]
    given = Thresholds(card=0.95, ask=0.5, veto=0.7, dismiss=0.05)
    chosen, report = train.choose_thresholds(examples, p, at=given)
    assert chosen == given and report["limits_met"]
    assert report["tuned"]["card_recall"] < 0.5  # nothing reaches 0.95 but certain rules
    assert report["tuned"]["recall"] > 0.9
    loose = Thresholds(card=0.95, ask=0.05, veto=0.7, dismiss=0.05)  # asks about everything
    assert not train.choose_thresholds(examples, p, at=loose)[1]["limits_met"]


def test_a_saved_model_scores_as_it_did_before_saving(tmp_path):
    examples = style_examples()[::9][:200]
    feats = [train.style_features(ex.text) for ex in examples]
    model = train._fit("style", feats, [ex.label for ex in examples], 4.0)
    model = train._finish(model, "style-test", {"note": 1})
    model.save(tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    assert back.version == "style-test" and back.meta == {"note": 1}
    for f in feats[:20]:
        a, b = model.probabilities(f), back.probabilities(f)
        assert a.keys() == b.keys()
        assert all(abs(a[k] - b[k]) < 1e-5 for k in a)


def test_an_unreadable_model_says_how_to_fix_it(tmp_path):
    from state.language.model import ModelMissing

    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(ModelMissing, match="rehearse train"):
        load(tmp_path / "bad.npz")


# ---- screening ---------------------------------------------------------------------------


def test_decide_follows_the_rules_where_certain_and_the_model_elsewhere():
    assert decide(RULE, 0.9, TH) == CARD
    assert decide(RULE, 0.1, TH) == ASK  # the model doubts the rule: ask, don't card
    assert decide(RULE, 0.01, TH) is None  # the model is sure the rule misfired
    assert decide(NO_CRISIS, 0.85, TH) == CARD
    assert decide(NO_CRISIS, 0.5, TH) == ASK
    assert decide(NO_CRISIS, 0.3, TH) is None
    tier3 = CrisisResult(True, "suicide", 3, "s_disappear")
    assert decide(tier3, 0.3, TH) == ASK
    # a short message: the model alone asks; a rule's card stands
    assert decide(NO_CRISIS, 0.85, TH, is_short=True) == ASK
    assert decide(RULE, 0.9, TH, is_short=True) == CARD
    assert decide(tier3, 0.85, TH, is_short=True) == CARD


@pytest.mark.parametrize(
    ("text", "brief"),
    [
        ("when does it end?", True),
        ("im done. goodbye everyone!", True),
        ("ok so when does the thing at rosies end tonight", False),
        # a word of danger makes a few words explicit without a rule (a reviewer)
        ("took 60 tylenol", False),
        ("gun in my mouth rn", False),
        ("cutting again rn", False),
        ("", True),
    ],
)
def test_a_short_message_is_counted_in_words(text, brief):
    assert screen_short(text) is brief


@pytest.mark.parametrize("text", ["when does it end?", "does it end soon?", "when does it finish?"])
def test_a_short_message_the_model_alone_alarms_at_gets_the_question(text):
    """A trial's "when does it end?" (the end of launch drinks) had the card at p 0.97, and the
    role-play stopped: without a rule's hit, a few words are at most a probable signal."""
    result = screen(text)
    assert result.action == ASK and result.rule == "model", text


_BARE_LET_GO = pytest.mark.xfail(
    strict=True, reason="passive ideation said bare, still let go by crisis-0c4dd35ebaf8 (#15)"
)


@pytest.mark.parametrize(
    "text",
    [
        "i cant do this anymore",
        "im tired of being a burden",
        # asked by crisis-c327240ac4c0 (p 0.067), let go again by crisis-0c4dd35ebaf8 (0.045)
        pytest.param("i'm a burden", marks=_BARE_LET_GO),
        pytest.param("ugh i cant do this anymore", marks=_BARE_LET_GO),
        pytest.param("i feel like a burden", marks=_BARE_LET_GO),
    ],
)
def test_passive_ideation_said_bare_is_asked_about(text):
    """crisis-df23487f5909 let all five go (p 0.001 to 0.03): its ordinary rows say the same
    words with a reason beside them, and no crisis row said them bare. Said bare, nothing reads
    them otherwise; a clinician checks once, gently (content-review.md). `crisis-more-zp`'s
    bare crisis rows won two back."""
    result = screen(text)
    assert result.action == ASK and result.tier == 3 and result.rule.startswith("s_"), text


def test_passive_ideation_with_its_ordinary_reason_is_let_go():
    """The same words with the reason that makes them ordinary stay the model's to read."""
    text = "honestly cant do this anymore, the commute is 2 hours each way. looking for remote work"
    assert screen(text).action is None


def test_a_rule_s_card_on_a_short_message_stands():
    assert screen("i want to die").action == CARD


@pytest.mark.parametrize("text", ["took 60 tylenol", "gun in my mouth rn", "cutting again rn"])
def test_a_few_words_of_explicit_danger_keep_the_card(text):
    """A reviewer: these had only the question under a rule that counted words alone."""
    assert screen(text).action == CARD, text


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself tonight",
        "i took all my pills an hour ago",
        "im going to shoot myself",
    ],
)
def test_explicit_danger_gets_the_card(text):
    result = screen(text)
    assert result.crisis and result.action == CARD
    assert result.model == shipped("crisis").version


@pytest.mark.parametrize(
    "text",
    ["See you at group on Tuesday!", "Can we talk about the schedule?", "No thanks, I'm good."],
)
def test_ordinary_text_is_let_be(text):
    assert screen(text).action is None


@pytest.mark.parametrize(
    "text",
    [
        # a date cue that fired on a dose or on a duration running to now had the model let
        # these go (a review of lexicon 2026.12.12)
        "I took 2000 mg of tylenol and I feel sick",
        "i have been cutting for a few years now and it is getting worse",
        "i have wanted to die for two years now",
        "I have been clean 5 years now and tonight I want to use and end it",
        "when i was 14 i tried to kill myself. i think about it again every day",
        # laughter said to be no joke
        "lol guess i'll just die 🙃 for real tho i cant do this",
    ],
)
def test_danger_that_goes_on_is_not_read_as_history_or_a_joke(text):
    assert screen(text).crisis, text


def test_screening_never_returns_the_text():
    secret = "I want to kill myself with the pills in the blue cabinet"
    assert "cabinet" not in json.dumps(screen(secret).as_dict())


def test_a_long_message_is_screened_window_by_window():
    filler = "We talked about the weekend plans and the groceries for the week. " * 60
    text = filler + "I want to kill myself. " + filler
    assert len(features.windows(text)) > 5
    assert screen(text).action == CARD
    assert screen(filler).action is None


def test_every_scripted_line_reads_as_its_style_and_never_gets_the_card():
    scripted = [(t, s) for t, s in scenario_lines() if s]  # read when run, not at collection
    carded = [t for t, _ in scripted if screen_text(t).action == CARD]
    assert not carded
    right = sum(coach.analyse(t).style == s for t, s in scripted)
    assert right / len(scripted) >= 0.9


def test_no_scenario_line_gets_the_card():
    lines = [t for t, _ in scenario_lines()]
    assert not [t for t in lines if screen_text(t).action == CARD]


def test_analyze_reports_the_action():
    from state.analysis import analyse_message

    assert analyse_message("I want to kill myself tonight")["action"] == CARD
    calm = analyse_message("No thanks, I'd rather have a soda.")
    assert calm["action"] is None and calm["crisis"] is False and calm["style"]


# ---- resources by category ---------------------------------------------------------------


def names(resources) -> list[str]:
    return [r.name for r in resources]


def test_the_card_fits_the_category():
    overdose = names(resources_for(DEFAULT_RESOURCES, "overdose"))
    assert any("Poison Control" in n for n in overdose)
    assert any("SAMHSA" in n for n in overdose)
    assert "Overdose" in overdose
    danger = names(resources_for(DEFAULT_RESOURCES, "danger-from-others"))
    assert any("Domestic Violence" in n for n in danger)
    suicide = names(resources_for(DEFAULT_RESOURCES, "suicide"))
    assert not any("Poison" in n or "Domestic" in n or "SAMHSA" in n for n in suicide)
    assert any("988" in n for n in suicide) and any("911" in r.contact for r in DEFAULT_RESOURCES)
    with_drink = names(resources_for(DEFAULT_RESOURCES, "suicide", substances=True))
    assert any("SAMHSA" in n for n in with_drink)
    # every card says 988 answers in Spanish: the screen reads code-switched Spanish now
    for category in ("suicide", "self-harm", "overdose", "danger-from-others", "harm-to-others"):
        card = crisis_card(resources_for(DEFAULT_RESOURCES, category))
        assert "En español: llame al 988 y oprima 2" in card, category
    # and its first line fits too: an overdose is often someone else's (a participant trial)
    assert crisis_card(DEFAULT_RESOURCES, category="overdose").startswith("This could be a medical")
    assert "clear this chat" in crisis_card(DEFAULT_RESOURCES, category="danger-from-others")
    assert crisis_card(DEFAULT_RESOURCES, category="suicide").startswith(OPENING)
    assert crisis_card(DEFAULT_RESOURCES, opening="Hi.", category="overdose").startswith("Hi.")


def test_resources_take_categories_from_the_setting():
    raw = json.dumps(
        [
            {"name": "Local line", "contact": "call 555-0100"},
            {"name": "Local poison", "contact": "555-0111", "categories": ["overdose"]},
        ]
    )
    parsed = parse_resources(raw)
    assert names(resources_for(parsed, "suicide")) == ["Local line"]
    assert names(resources_for(parsed, "overdose")) == ["Local line", "Local poison"]
    with pytest.raises(ResourcesError, match="categories"):
        parse_resources(json.dumps([{"name": "x", "contact": "y", "categories": ["nope"]}]))


def test_the_question_fits_the_category():
    """A possible overdose is often an accident: the overdose numbers come before the question,
    so "no" to a question about ending one's life still leaves them on the screen."""
    overdose = question_text("overdose")
    assert "1-800-222-1222" in overdose and "911" in overdose
    assert overdose.index("1-800-222-1222") < overdose.index("ending your life")
    assert "SAMHSA" not in overdose  # a helpline for later, on the card
    local = parse_resources(
        json.dumps([{"name": "Local poison", "contact": "555-0111", "categories": ["overdose"]}])
    )
    assert "Local poison: 555-0111" in question_text("overdose", local)
    both = parse_resources(
        json.dumps(
            [
                {"name": "Poison", "contact": "1", "categories": ["overdose", "self-harm"]},
                {"name": "Helpline", "contact": "2", "categories": ["overdose", "substance-use"]},
            ]
        )
    )
    assert "Poison: 1" in question_text("overdose", both)
    assert "Helpline" not in question_text("overdose", both)
    assert question_text("overdose", parse_resources('[{"name": "a", "contact": "b"}]')) == (
        question_text("suicide")
    )
    assert question_text("suicide") == ASK_TEXT and question_text(None) == ASK_TEXT
    assert "in danger from someone" in question_text("danger-from-others")
    assert "hurting someone" in question_text("harm-to-others")
    assert "hurting someone" in ask_again_text("harm-to-others")
    assert ask_again_text(None) == ASK_AGAIN
    # "I'm safe" to the overdose question: the numbers again before the scene
    thanks = back_to_scene_text("overdose")
    assert "1-800-222-1222" in thanks and thanks.endswith(SAME_MOMENT)
    numbers = still_reach_out_text("overdose")  # what a channel sends before any write
    assert numbers is not None and thanks == f"{numbers}\n\n{SAME_MOMENT}"
    assert still_reach_out_text("suicide") is None
    assert (
        back_to_scene_text("suicide") == BACK_TO_SCENE == f"Thank you for telling me. {SAME_MOMENT}"
    )


@pytest.mark.parametrize(
    ("text", "theirs"),
    [
        ("my brother keeps saying he wants to kill himself", True),
        ("my brother keeps saying he wants to end it", True),  # the trial's own
        ("she said she's gonna kil herself", True),  # read as the rules read it
        # a participant trial's, each carded as if about the writer
        ("My brother has a gun and keeps talking about ending it", True),
        ("My sponsee texted me goodbye and is not answering", True),
        ("My kid said she wishes she'd never been born", True),
        ("My sister's been giving all her stuff away", True),
        ("I'm worried my husband might do something to himself", True),
        ("i keep talking about ending it and my mom doesnt listen", False),
        ("my husband never listens, what's even the point anymore", False),
        ("my friend said she might end her life soon", True),
        ("i think my friend is suicidal", True),
        ("worried my girlfriend might hurt herself tonight", True),
        ("my sister has been cutting herself again", True),
        ("I found his goodbye note on the counter", True),
        ("i want to die", False),
        ("my mom is suicidal and honestly i want to die too", False),  # the writer's too
        ("my friend wants to kill herself and i wanna die", False),
        ("my friend is suicidal, me too honestly", False),
        ("he said he is going to kill himself and take me with him", False),  # a threat to me
        ("my brother killed himself last year and i want to be with him", False),  # grief, mine
        ("he said i should just kill myself", False),
        ("my life is over since she left", False),
    ],
)
def test_whose_danger_a_message_tells_of(text, theirs):
    """Someone else's danger is marked, and only where the writer tells of none of their own:
    the question then asks the writer all the same, and adds where help for the other is."""
    assert about_someone_else(text) is theirs


def test_someone_else_s_danger_gets_a_question_and_a_card_that_fit():
    """A participant trial: "my brother keeps saying he wants to end it" was asked only about
    the writer's own life. The question still asks that (they may be at risk too), after
    saying where help for the other person is; the card opens on that person."""
    theirs = screen_text(probable_theirs_text())
    assert theirs.crisis and theirs.someone_else
    assert not screen_text("i want to die").someone_else
    assert not screen_text("my brother shot hoops with me").someone_else  # no crisis, no mark
    asked = question_text("suicide", someone_else=True)
    assert "worried about someone else" in asked and "Show me support numbers" in asked
    assert asked.endswith(
        "are you thinking about ending your life or hurting yourself?"
    )  # the writer is asked about their own life too
    assert question_text("suicide") == ASK_TEXT  # the writer's own: as before
    # an overdose's question already names "anyone you look after"; it is not doubled
    assert question_text("overdose", someone_else=True) == question_text("overdose")
    # danger from someone, or to someone, is asked in its own words only
    assert question_text("danger-from-others", someone_else=True) == question_text(
        "danger-from-others"
    )
    card = crisis_card(category="suicide", someone_else=True)
    assert card.startswith(SOMEONE_OPENING) and "988" in card
    # danger from someone keeps its warning to clear the chat
    danger = crisis_card(category="danger-from-others", someone_else=True)
    assert danger.startswith(OPENINGS["danger-from-others"])
    assert crisis_card(category="suicide").startswith(OPENING)


# ---- the coach ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "You're right, I'll quit group then",
        "ok fine, i'll skip my meeting this week",
        "I guess I'll just stop going to therapy",
    ],
)
def test_giving_up_treatment_is_never_assertive(text):
    assert coach.analyse(text).style != "assertive"


@pytest.mark.parametrize(("text", "plain"), [("No.", True), ("no", True), ("NO", False)])
def test_a_plain_no_is_coached_as_the_skill(text, plain):
    """The library teaches that "no" is a complete sentence; the model read a bare "No." as
    aggressive (a participant trial). Shouted, it is left to the model."""
    analysis = coach.analyse(text)
    assert (analysis.style == "assertive") is plain
    if plain:
        assert "aggressive" not in coach.coach_feedback(analysis, [])


@pytest.mark.parametrize(
    "text",
    [
        "I'd really appreciate it.",
        "Thank you so much, I really appreciate it!",
        # a participant trial's, read as passive-aggressive at 0.76 and 0.94
        "thanks unc, love u",
        "ok great, thanks for being cool about it",
        "appreciate u hearing me out",
    ],
)
def test_sincere_thanks_is_not_coached_as_sarcasm(text):
    analysis = coach.analyse(text)
    assert "sarcasm" not in analysis.markers
    assert "sarcasm" not in coach.coach_feedback(analysis)
    assert analysis.style != "passive-aggressive"


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for being so understanding. Really. So understanding.",
        "k thanks i guess",
        "thanks for finally texting back",
        "wow great, thanks for always being there lol",
        # a reviewer's, read as sincere before the digs were listed
        "oh thanks for being there for me. not",
        "thanks for being a great friend lol jk",
        "yeah thanks for checking in, only took you three months",
        "love you too mom, obviously you know best",
    ],
)
def test_thanks_with_a_dig_is_still_read_as_one(text):
    assert coach.analyse(text).style == "passive-aggressive"


def test_a_marker_edited_changes_the_style_version(monkeypatch):
    """The style model reads the markers: editing one without a retrain must show as a model
    trained on other features (test_shipped_models_were_trained_on_the_data_in_the_repository)."""
    from state.language import train
    from state.language.data import style_examples

    examples = style_examples()[:50]
    before = train.version("style", examples)
    crisis_before = train.version("crisis", examples)
    monkeypatch.setattr(coach.CUES["affirm"], "parts", ("thank you",))
    assert train.version("style", examples) != before
    assert train.version("crisis", examples) == crisis_before


def test_suggestions_name_only_what_the_coach_can_see_and_the_reply_lacks():
    analysis = coach.analyse("I feel hurt when plans change last minute. I need a heads-up.")
    looks_for = ["dear-man.express", "i-statement", "dear-man.mindful", "oars.summarise"]
    text = coach.coach_feedback(analysis, looks_for)
    assert "I feel" not in text.split("Next time", 1)[-1]  # it already has the feeling
    assert "main point" not in text and "summary" not in text  # the coach can't see these
    assert adjacent(NO_CRISIS) is False


def test_crisis_adjacent_text_is_not_coached():
    from shipped import shipped_library

    lib = shipped_library()
    scenario = next(iter(lib.scenarios.values()))
    near = next(
        t
        for t in ["i dont know how much longer i can do this", "i'm so done with everything"]
        + ["what's even the point of trying anymore", "i just want everything to stop"]
        if adjacent(screen_text(t))
    )
    node = scenario.nodes[scenario.start]
    choice_id, outputs = coach.match_reply(scenario, scenario.start, list(node.choices), near)
    assert choice_id is None and outputs == [coach.ADJACENT]


def test_a_rule_hit_the_model_let_go_is_not_coached():
    """Said to a character with its reason: no card and no question (the model lets the rule's
    hit go), but no style either (a participant trial had "I can't do this anymore" coached as
    aggressive; said bare, it is now asked about)."""
    text = "I can't do this anymore with these Thursday dinners, Mom"
    screened = screen_text(text)
    assert not screened.crisis and screened.rule == "s_cant_go_on"
    assert adjacent(screened)
    assert not adjacent(screen_text("Can we talk about this after dinner?"))


def test_model_vector_matches_the_training_row():
    model = shipped("style")
    f = train.style_features("no thanks, i'm good with a soda")
    cols, values = model.vector(f)
    grams = [i for i in cols if model.idf[i] > 0]
    assert abs(float(np.linalg.norm(values[: len(grams)])) - 1.0) < 1e-9
    assert isinstance(model, LinearModel)


def test_the_remembered_word_columns_are_the_ngrams_spelled_out():
    """Run time looks each word's n-grams up once and remembers them; training spells every
    n-gram out. Both must give the same row, or the shipped weights score other features."""
    texts = [ex.text for ex in crisis_examples()[::7]]
    for name, feats in (
        ("crisis", [features.crisis_features(t) for t in texts]),
        ("style", [train.style_features(t) for t in texts[:400]]),
    ):
        model = shipped(name)
        for f in feats:
            for _ in range(2):  # the first call fills the memory, the second reads it
                cols, _ = model.vector(f)
                spelled = {model.index[g] for g in f.grams if g in model.index}
                assert {c for c in cols if model.idf[c] > 0} == spelled


def test_the_word_memory_is_bounded(monkeypatch):
    from state.language import model as model_module

    monkeypatch.setattr(model_module, "WORD_CACHE", 50)
    model = shipped("crisis")
    model._word_columns.clear()
    model._word_table.clear()
    for i in range(500):
        model.columns_of_word(f"word{i}")
        model.word_ids([f"word{i}", f"other{i}", ""], 2)
    assert 0 < len(model._word_columns) <= 50
    assert 0 < len(model._word_table.ids) <= 50
    model._word_table.clear()  # the shipped model's table must not keep the test's words


@pytest.mark.parametrize(
    "text",
    [
        "we fought again and i want a drink so bad. sometimes i think everyone would be better "
        "off without me",
        "i want a beer so bad and nobody would miss me",
        "got hammered again and i want to die",
    ],
)
def test_drinking_in_everyday_words_puts_the_helpline_on_the_card(text):
    """A sixth participant trial's card had no SAMHSA line: "a drink" named no substance."""
    result = screen_text(text)
    assert result.action == CARD and result.substances, text
    assert not screen_text("nobody would miss me").substances


def test_a_long_message_is_read_window_by_window():
    calm = "we talked about chores and the game and what to cook this week. " * 30
    hit = screen_text(calm + "i took all my pills an hour ago and i feel weird. " + calm)
    assert len(calm) * 2 > 3000 and hit.action == CARD and hit.category == "overdose"
    mixed = "i had a lot of vodka earlier. " + calm + "i took all my pills an hour ago. "
    assert screen_text(mixed).substances  # named in another window than the danger
    assert screen_text(calm * 2).action is None


def test_the_words_a_negator_governs_are_tokens_of_their_own():
    """ "i'd never hurt myself" must not look like "i'll hurt myself" with one more word."""
    t = crisis.normalise("I'd never hurt myself, but I'm so tired")
    assert crisis.negated_words(t) == ["hurt", "myself"]  # the clause ends at the comma
    assert "n_hurt" in features.crisis_features("i would never hurt myself").words
    assert not any(w.startswith("n_") for w in features.crisis_features("i will hurt myself").words)


def test_probabilities_is_the_training_row_times_the_weights():
    """`probabilities` takes the n-grams, the flags and the meaning apart; it must score what
    the row `vector` gives (what training fits) times the weights, for both models."""
    texts = [ex.text for ex in crisis_examples()[::41]] + ["", "🙂🙂🙂", "zzqx vvbn", "no"]
    for name, feats in (
        ("crisis", [features.crisis_features(t) for t in texts]),
        ("style", [train.style_features(t) for t in texts]),
    ):
        model = shipped(name)
        for f in feats:
            cols, values = model.vector(f)
            logits = model.intercept + (values @ model.weights[cols] if cols else 0.0)
            exp = np.exp(logits - logits.max())
            expected = exp / exp.sum()
            got = model.probabilities(f)
            assert list(got) == list(model.classes)
            assert np.allclose(list(got.values()), expected, rtol=0, atol=1e-12), (name, f)


def test_windows_scored_together_score_as_they_would_alone():
    """A long message's windows go through the model in one matrix product; each row must be
    what scoring it alone gives, an empty one (nothing the model knows) included."""
    model = shipped("crisis")
    texts = [ex.text for ex in crisis_examples()[::97]] + ["🙂🙂🙂", "zzqx vvbn"]
    feats = [features.crisis_features(t) for t in texts]
    together = model.probabilities_of(feats)
    assert len(together) == len(feats)
    for f, row in zip(feats, together, strict=True):
        alone = model.probabilities(f)
        assert row.keys() == alone.keys()
        assert all(abs(row[k] - alone[k]) < 1e-12 for k in row)
    assert model.probabilities_of([]) == []


def test_an_ngram_that_tells_the_classes_apart_weighs_more_than_one_all_of_them_use():
    """The recipe's class weighting (NBSVM's log-count ratio on top of idf): "whatever", only in
    passive-aggressive replies, gains weight; "okay", in every reply of both styles, keeps its
    idf; "whatever" and "sure" weigh the same by idf alone."""
    rows = [("okay whatever", "passive-aggressive")] * 4 + [("okay sure", "assertive")] * 4
    feats = [features.Features(tuple(t.split()), {}) for t, _ in rows]
    labels = [label for _, label in rows]
    index, plain = train._vocabulary(feats, labels, by_class=False)
    _, weighted = train._vocabulary(feats, labels, by_class=True)
    whatever, okay = index["w:whatever"], index["w:okay"]
    assert (
        plain[whatever] == pytest.approx(plain[index["w:sure"]]) and plain[okay] < plain[whatever]
    )
    assert weighted[okay] == pytest.approx(plain[okay])  # no class favours "okay": ratio 0
    assert weighted[whatever] > 2 * plain[whatever]
    assert "crisis" in train.RECIPE["class_weighted"] and "style" in train.RECIPE["class_weighted"]


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80) | st.text(max_size=40))
def test_tokens_are_the_token_regex_s_findall(text):
    """`features.tokens` splits ASCII text by a translate table: the regex's tokens exactly."""
    assert features.tokens(text) == tuple(features._TOKEN.findall(text))


def test_tokens_of_every_training_text_are_the_regex_s():
    lines = [ex.text for ex in data.crisis_examples() + data.style_examples()]
    for t in lines + [crisis.normalise(x) for x in lines]:
        assert features.tokens(t) == tuple(features._TOKEN.findall(t))


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80) | st.text(max_size=40))
def test_crisis_tokens_are_the_crisis_regex_s_findall(text):
    """The crisis reader's tokens: `tokens`' and sentence and clause ends, by either path."""
    assert features.crisis_tokens(text) == tuple(features._CRISIS_TOKEN.findall(text))


@pytest.mark.parametrize(
    ("loud", "plain"),
    [
        ("i want to die!", "i want to die."),
        ("does anyone even care if i disappear?", "does anyone even care if i disappear."),
        ("i cant do this anymore!!", "i cant do this anymore."),
        ("why bother?! nobody would notice", "why bother. nobody would notice"),
        ("so tired... of everything?!?", "so tired... of everything."),
    ],
)
def test_the_crisis_model_reads_that_a_sentence_ends_not_how(loud, plain):
    """ "!" and "?" are read as ".": the model learned "!" as the surest sign of an ordinary
    message (the training writers' habit), and "i want to die!" was let go."""
    a, b = features.crisis_features(loud), features.crisis_features(plain)
    assert a.words == b.words and a.grams == b.grams
    assert np.array_equal(a.meaning, b.meaning)


@pytest.mark.parametrize(
    ("laughing", "plain"),
    [
        ("i have pills saved up lol", "i have pills saved up"),
        ("lmaooo i want to die haha", "i want to die"),
        ("thinking about ending it tonight jk", "thinking about ending it tonight"),
        ("this traffic is killing me lol", "this traffic is killing me"),
        # in a negator's scope too, and spelled otherwise (a reviewer)
        ("i cant do this anymore lol", "i cant do this anymore"),
        ("ahaha i dont see the point anymore", "i dont see the point anymore"),
        ("lul i want to disappear hehe", "i want to disappear"),
    ],
)
def test_the_crisis_model_does_not_read_laughs(laughing, plain):
    """A laugh masks distress as often as it marks hyperbole: read, it was among the surest
    signs of an ordinary message, and across writers recall with " lol" added fell to 0.768."""
    a, b = features.crisis_features(laughing), features.crisis_features(plain)
    assert a.words == b.words and a.grams == b.grams and a.flags == b.flags
    assert np.array_equal(a.meaning, b.meaning)


_LAUGHY = st.sampled_from(
    ["lol", "lool", "lolol", "lolz", "lul", "lmao", "lmfaooo", "haha", "ahaha", "hah", "ha", "hehe"]
    + [
        "heh",
        "xd",
        "jk",
        "kidding",
        "kiding",
        "not",
        "no",
        "just",
        "jaja",
        "jeje",
        "rofl",
        "é",
        "_",
    ]
    + [" ", ".", "'", "-", "1", "a", "h", "l", "o", "😂", "\u00e9lol", "lol\u00e9"]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LAUGHY, max_size=12).map(" ".join) | st.lists(_LAUGHY, max_size=12).map("".join))
def test_the_fast_laugh_check_finds_every_laugh(text):
    """`unlaughed` asks RE2 first and skips `re` where RE2 finds nothing: only safe if RE2 finds
    a laugh wherever LAUGHS does."""
    if features.LAUGHS.search(text) is not None:
        assert features._MAY_LAUGH.search(text) is not None


@pytest.mark.parametrize("text", ["this traffic is killing me lol", "kms haha", "jk i want to die"])
def test_the_rules_still_read_laughs(text):
    assert crisis.cues(crisis.normalise(text))["laugh"]


@pytest.mark.parametrize(
    "text", ["im not kidding i want to die", "mi pareja me ha amenazado", "the lollipop"]
)
def test_what_only_looks_like_a_laugh_is_read(text):
    """ "not kidding" says it is sincere, and Spanish "ha" is a verb (a reviewer)."""
    assert features.unlaughed(crisis.normalise(text)) == crisis.normalise(text)


def test_a_long_message_s_windows_read_its_sentence_ends_flat():
    """`screen.read` gathers a long message's meaning from its sentences' folded text: those
    are read flat too, as training read them."""
    calm = "we went to the lake and it was a long quiet day with the kids and the dog. " * 6
    loud, plain = calm + "i want to die!", calm + "i want to die."
    assert len(loud) > features.CRISIS_WINDOW
    model = shipped("crisis")
    assert probability(model, loud) == probability(model, plain)


@pytest.mark.parametrize(
    "text",
    [
        "i want to die!",
        "does anyone even care if i disappear?",
        "nobody would miss me anyway!",
        "im done. goodbye everyone!",
    ],
)
def test_danger_said_loudly_or_asked_still_interrupts(text):
    """Tuned on: a participant's "!" or "?" no longer silences the screen."""
    assert screen(text).crisis, text


def test_no_word_ngram_spans_two_sentences():
    """ "i wrote the note. its short" is two statements: the model sees where one ends."""
    grams = features.crisis_features("i wrote the note. its short, really").grams
    assert "w:note ." in grams and "w:. its" in grams and "w:short , realy" in grams
    assert not any(g.startswith("w:") and "note its" in g for g in grams)
