"""What a message is about, beyond its exact words: a static vector per word piece.

The n-gram model knows the words it was trained on: "a gun to my head" and "shoot myself" share
none, and a phrasing nobody here wrote is read by its words alone. A sentence encoder
(all-MiniLM-L6-v2) places such messages near each other, but running it needs torch and tens of
milliseconds. So each of its word pieces was run through it once, alone, as model2vec does, and
the outputs are shipped in `models/pieces.npz` (`state.language.distill` made it).
A message's meaning is then the mean of its pieces' vectors: a few dictionary look-ups and one
small sum, no download and no torch at run time. The crisis model weighs it beside the n-grams.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from pathlib import Path

import numpy as np

from state.language.files import MODELS, ModelMissing

PIECES = MODELS / "pieces.npz"
CONTINUATION = "##"  # WordPiece's mark for a piece inside a word
MAX_WORD = 100  # longer words are BERT's [UNK]: no piece
WORD_CACHE = 50_000  # distinct words remembered
# BERT's basic tokenizer on lower-case ASCII (what `normalise` returns): runs of letters and
# digits, and each other character alone
_WORDS = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


@dataclass(frozen=True, eq=False)
class Pieces:
    """The word pieces of BERT's uncased vocabulary (ASCII ones: `normalise` returns ASCII) and
    each one's vector."""

    index: dict[str, int] = field(repr=False)
    vectors: np.ndarray = field(repr=False)  # (pieces, dims), float32 (stored as int8)
    digest: str = ""  # of the file: part of the crisis model's recipe
    longest: int = MAX_WORD  # characters in the longest piece, "##" not counted
    _words: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)
    # a run of non-space characters ("okay," "x") -> its words' pieces (`token_pieces`)
    _tokens: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def pieces(self, word: str) -> tuple[int, ...]:
        """WordPiece, greedy longest match first (BERT's tokenizer), of one word."""
        if len(word) > MAX_WORD:  # BERT's [UNK]; never remembered (a 4 KB key each)
            return ()
        got = self._words.get(word)
        if got is None:
            if len(self._words) >= WORD_CACHE:  # unbounded input mustn't grow memory
                self._words.clear()
            self._words[word] = got = tuple(self._word_pieces(word))
        return got

    def token_pieces(self, token: str) -> tuple[int, ...]:
        """The pieces of a run of non-space characters: of its words (`ids` of it)."""
        got = tuple(self.ids(token))
        if len(token) <= MAX_WORD:  # never a 4 KB key
            if len(self._tokens) >= WORD_CACHE:
                self._tokens.clear()
            self._tokens[token] = got
        return got

    def _word_pieces(self, word: str) -> list[int]:
        out, start, get = [], 0, self.index.get
        while start < len(word):
            # no piece is longer than `longest`: trying longer ends would make junk quadratic
            for end in range(min(len(word), start + self.longest), start, -1):
                i = get(word[start:end] if start == 0 else CONTINUATION + word[start:end])
                if i is not None:
                    out.append(i)
                    start = end
                    break
            else:
                return []  # a character no piece holds: the whole word is [UNK], as in BERT
        return out

    def about(self, normalised: str) -> np.ndarray:
        """What a normalised message is about: its words split as BERT splits them."""
        return self.mean(_WORDS.findall(normalised))

    def ids(self, normalised: str) -> list[int]:
        """The pieces of a normalised message's words, in order (`about` sums their vectors)."""
        remembered, pieces = self._words.get, self.pieces
        # a remembered word with no pieces is () too: pieces() then answers from memory
        return [i for w in _WORDS.findall(normalised) for i in (remembered(w) or pieces(w))]

    def about_runs(self, texts: Sequence[str], runs: Sequence[tuple[int, int]]) -> np.ndarray:
        """`about(" ".join(texts[a:b]))` for each (a, b) of `runs`, one row each: a long
        message's windows are runs of its sentences, and the rule-hit sentences runs of one.

        Each text's words are split into pieces once, and all the pieces gathered in one take;
        a run's pieces are then one slice of them, summed (reading every window and sentence
        afresh cost ~56 us a row). The words of texts joined by spaces are the texts' words
        in turn, so this is `about` of the joined text."""
        if len(runs) == 1:  # one window (most messages): `about` makes fewer numpy calls
            a, b = runs[0]
            return self.about(" ".join(t for t in texts[a:b] if t))[None]
        # each text's pieces, from its whitespace-separated tokens (the words of a text are its
        # tokens' words in turn: no word spans a space), each token's looked up once per
        # process: str.split and one dictionary look-up a token, not a regex scan of every text
        remembered, spell = self._tokens.get, self.token_pieces
        found = [
            [p if (p := remembered(w)) is not None else spell(w) for w in t.split()] for t in texts
        ]
        sizes = [sum(map(len, got)) for got in found]
        flat = np.fromiter(
            chain.from_iterable(chain.from_iterable(found)), dtype=np.intp, count=sum(sizes)
        )
        ends = np.cumsum([0, *sizes]).tolist()  # texts[k]'s: ends[k]:ends[k + 1]
        # float64 once: a sum that casts as it goes costs more than the cast
        gathered = np.take(self.vectors, flat, axis=0).astype(np.float64)
        sums = np.zeros((len(runs), self.dims))
        for row, (a, b) in zip(sums, runs, strict=True):
            if ends[b] > ends[a]:
                np.add.reduce(gathered[ends[a] : ends[b]], axis=0, out=row)
        return self.unit(sums)

    @staticmethod
    def unit(sums: np.ndarray) -> np.ndarray:
        """`sums` (rows of piece vectors summed) scaled in place to unit length; a row of
        zeros (no pieces) stays zeros. One numpy pass for all rows (`mean` takes one row's norm
        as v @ v: the same to ~1e-16)."""
        norms = np.sqrt(np.einsum("ij,ij->i", sums, sums))
        sums /= np.where(norms > 0, norms, 1.0)[:, None]
        return sums

    def mean(self, words: Sequence[str]) -> np.ndarray:
        """The unit-length mean of the words' piece vectors; zeros for a message with none."""
        ids = [i for w in words for i in self.pieces(w)]
        if not ids:
            return np.zeros(self.dims)
        v = self.vectors[ids].sum(axis=0, dtype=np.float64)
        norm = float(np.sqrt(v @ v))  # as `unit` takes it
        return v / norm if norm else v


def load(path: Path | None = None) -> Pieces:
    path = path or PIECES
    try:
        raw = path.read_bytes()
        with np.load(path, allow_pickle=False) as data:
            tokens = data["tokens"].tolist()
            vectors = data["vectors"].astype(np.float32) * float(data["scale"])
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelMissing(
            f"{path.name}: can't read the word-piece vectors; see state/language/distill.py"
        ) from exc
    return Pieces(
        index={t: i for i, t in enumerate(tokens)},
        vectors=vectors,
        digest=hashlib.sha256(raw).hexdigest()[:12],
        longest=max(len(t.removeprefix(CONTINUATION)) for t in tokens),
    )


@cache
def shipped() -> Pieces:
    """The vectors the project ships, loaded once per process."""
    return load()
