"""The crisis reader's meaning features: word pieces, their mean, and how the model uses them."""

from __future__ import annotations

import numpy as np
import pytest

from state import crisis
from state.crisis import CARD
from state.language import data, features, meaning
from state.language.files import ModelMissing
from state.language.model import MEANING, shipped
from state.safety import screen_text
from state.safety.card import _screen


@pytest.fixture(scope="module")
def pieces() -> meaning.Pieces:
    return meaning.shipped()


# Split once by the encoder's own tokenizer (transformers' BertTokenizer for all-MiniLM-L6-v2),
# in the distill venv: the splits the vectors were made for
GOLDEN = {
    "myself": ["myself"],
    "overdosed": ["overdose", "##d"],
    "unaliving": ["una", "##li", "##ving"],
    "stockpiling": ["stock", "##pi", "##ling"],
    "tylenol": ["ty", "##len", "##ol"],
    "ibuprofen": ["ib", "##up", "##ro", "##fen"],
    "selfharm": ["self", "##har", "##m"],
    "kms": ["km", "##s"],
    "rehomed": ["re", "##hom", "##ed"],
    "naloxone": ["na", "##lo", "##xon", "##e"],
    "fentanyl": ["fen", "##tan", "##yl"],
    "12am": ["12", "##am"],
    "4ever": ["4", "##ever"],
    "zzzqx": ["z", "##zz", "##q", "##x"],
    "razorblades": ["razor", "##bla", "##des"],
    "xanax": ["x", "##ana", "##x"],
    "burdensome": ["burden", "##some"],
    "lol": ["lo", "##l"],
    "a" * 100: ["aaa", *["##aa"] * 48, "##a"],
    "a" * 101: [],  # BERT's [UNK]: longer than 100 characters
}


@pytest.mark.parametrize("word", sorted(GOLDEN))
def test_words_split_into_pieces_as_bert_splits_them(pieces, word):
    """Greedy longest match first, "##" inside a word: the splits the encoder was run on."""
    tokens = {i: t for t, i in pieces.index.items()}
    assert [tokens[i] for i in pieces.pieces(word)] == GOLDEN[word]


def test_punctuation_and_apostrophes_are_pieces_of_their_own(pieces):
    """BERT's basic split: "i'm done." is i ' m done . (its tokenizer: ['i', "'", 'm', ...])."""
    assert pieces.about("i'm done.") @ pieces.mean(["i", "'", "m", "done", "."]) > 1 - 1e-9


def test_junk_words_cost_linear_time_and_are_not_remembered(pieces):
    """No piece is longer than `longest`, so a long junk word isn't tried at every length; a
    word past BERT's limit is [UNK] and never kept (a 4 KB key each)."""
    assert pieces.longest < 30
    pieces._words.clear()
    assert pieces.pieces("q" * 4000) == ()
    assert "q" * 4000 not in pieces._words


def test_the_mean_is_unit_length_or_zero(pieces):
    v = pieces.mean(("i", "want", "to", "die"))
    assert v.shape == (pieces.dims,) and abs(float(v @ v) - 1.0) < 1e-9
    assert not pieces.mean(()).any()
    assert not pieces.mean(("x" * 200,)).any()


def test_messages_that_mean_the_same_sit_closer_than_their_words_do(pieces):
    """What the n-grams can't see: "i want to die" shares two words with "i want pizza" and
    only "i" with "i wish i was dead", and yet sits nearer the second."""
    die, pizza = pieces.mean(("i", "want", "to", "die")), pieces.mean(("i", "want", "pizza"))
    dead = pieces.mean(("i", "wish", "i", "was", "dead"))
    assert die @ dead > pizza @ dead + 0.03


def test_the_word_memory_is_bounded(monkeypatch, pieces):
    monkeypatch.setattr(meaning, "WORD_CACHE", 20)
    pieces._words.clear()
    for i in range(200):
        pieces.pieces(f"word{i}")
    assert 0 < len(pieces._words) <= 20


@pytest.mark.parametrize("content", [b"not vectors", b"PK\x03\x04 truncated"])
def test_unreadable_vectors_say_where_they_come_from(tmp_path, content):
    (tmp_path / "pieces.npz").write_bytes(content)
    with pytest.raises(ModelMissing, match="distill"):
        meaning.load(tmp_path / "pieces.npz")


def test_missing_vectors_fail_towards_help(tmp_path, monkeypatch):
    """Without its word pieces the model can't read: the screen must show the card, as it does
    when the model itself is missing, not fall back to the rules alone in silence."""
    monkeypatch.setattr(meaning, "PIECES", tmp_path / "gone.npz")
    meaning.shipped.cache_clear()
    _screen.cache_clear()
    try:
        got = screen_text("nobody would even notice if i was gone")
    finally:
        meaning.shipped.cache_clear()
        _screen.cache_clear()
    assert got.action == CARD and got.rule == "detector-error"


def test_the_crisis_model_scores_the_meaning_it_was_trained_on():
    """The crisis model has one weight row per dimension, in order, after the n-grams and flags;
    its training row and its run-time row carry the same scaled vector."""
    model = shipped("crisis")
    names = [k for k in model.index if k.startswith(MEANING)]
    assert len(names) == meaning.shipped().dims
    cols = sorted(model.index[k] for k in names)
    assert cols == list(range(cols[0], cols[0] + len(cols)))
    f = features.crisis_features("nobody would even notice if i was gone")
    assert f.meaning is not None
    assert float(np.linalg.norm(f.meaning)) == pytest.approx(features.MEANING_SCALE)
    c, values = model.vector(f)
    assert np.array_equal(values[-len(cols) :], f.meaning) and c[-len(cols) :] == cols


def test_runs_of_texts_mean_what_the_texts_joined_mean(pieces):
    """`about_runs` (a long message's reader: each sentence's pieces looked up once, each
    window summed from them) is `about` of the run's texts joined with spaces, the plain
    reading, including texts with no pieces and runs of none."""
    texts = [crisis.fold(ex.text) for ex in data.crisis_examples()[:400]]
    texts[3:3] = ["", "x" * 200]
    runs = [(a, min(a + n, len(texts))) for n in (0, 1, 2, 5) for a in range(0, len(texts), 7)]
    got = pieces.about_runs(texts, runs)
    for row, (a, b) in zip(got, runs, strict=True):
        want = pieces.about(" ".join(t for t in texts[a:b] if t))
        assert np.allclose(row, want, rtol=0, atol=1e-12)


def test_a_text_s_pieces_are_its_tokens_pieces(pieces):
    """`about_runs` reads each text's pieces token by token (`token_pieces`, remembered per
    run of non-space characters): the words of a text are its tokens' words in turn, for every
    text the model learned from, folded, and for odd spaces and punctuation."""
    texts = [crisis.fold(ex.text) for ex in data.crisis_examples()]
    texts += ["a,b", "okay,,i", " x ", "\u2028x\u3000y\x1c", "!!", "x" * 150 + ",y", "\u1680"]
    for t in texts:
        split = [i for token in t.split() for i in pieces.token_pieces(token)]
        assert split == pieces.ids(t), t
        again = [i for token in t.split() for i in pieces.token_pieces(token)]
        assert again == split  # from memory the second time
