"""The crisis reader's meaning features: word pieces, their mean, and how the model uses them."""

from __future__ import annotations

import numpy as np
import pytest

from state.language import features, meaning
from state.language.files import ModelMissing
from state.language.model import MEANING, shipped


@pytest.fixture(scope="module")
def pieces() -> meaning.Pieces:
    return meaning.shipped()


def test_words_split_into_pieces_as_bert_splits_them(pieces):
    """Greedy longest match first, "##" inside a word: the splits the encoder was run on."""
    tokens = {i: t for t, i in pieces.index.items()}

    def spelled(word: str) -> list[str]:
        return [tokens[i] for i in pieces.pieces(word)]

    assert spelled("myself") == ["myself"]
    assert spelled("overdosed") == ["overdose", "##d"]
    assert spelled("unaliving")[0] == "una" and "".join(spelled("unaliving")).replace("##", "") == (
        "unaliving"
    )
    assert pieces.about("i'm done.") @ pieces.mean(["i", "'", "m", "done", "."]) > 1 - 1e-9
    assert pieces.pieces("x" * (meaning.MAX_WORD + 1)) == ()  # BERT's [UNK]


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


def test_unreadable_vectors_say_where_they_come_from(tmp_path):
    (tmp_path / "pieces.npz").write_bytes(b"not vectors")
    with pytest.raises(ModelMissing, match="distill"):
        meaning.load(tmp_path / "pieces.npz")


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
