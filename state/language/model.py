"""A trained linear model shipped with the project, scored without scikit-learn.

Training (``state.language.train``) fits scikit-learn's logistic regression and saves its weights
here as a small ``.npz``: the vocabulary, each n-gram's weight (its idf, times how well it tells
the classes apart where the recipe says so; 0 for indicator features, which are used as they
are), one weight row per feature, the intercepts and a JSON header (version,
classes, thresholds, the cross-validated figures). Scoring is a few dictionary look-ups and one
small matrix product in numpy: no model download, no scikit-learn import at run time.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np

from state.language.features import WORD_NGRAMS, Features, char_grams, raw_grams, word_grams
from state.language.files import MODELS, ModelMissing

__all__ = ["MODELS", "LinearModel", "ModelMissing", "load", "shipped"]
WORD_CACHE = 50_000  # distinct words remembered per model
MEANING = "meaning:"  # the columns of `Features.meaning`, in order: meaning:000, meaning:001, ...


def meaning_columns(dims: int) -> list[str]:
    return [f"{MEANING}{k:03d}" for k in range(dims)]


class WordTable:
    """Words with lasting ids (0 is ""), their columns laid end to end in one array that grows
    by doubling: a word's are flat[start[id] : start[id] + length[id]]; phrase[id] is its id
    among the phrases' words (`LinearModel._phrase_keys`), 0 if none."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.ids: dict[str, int] = {"": 0}
        self.start = np.zeros(1024, dtype=np.int64)
        self.length = np.zeros(1024, dtype=np.int64)
        self.phrase = np.zeros(1024, dtype=np.int64)
        self.flat = np.zeros(16384, dtype=np.int64)
        self.used = 0

    @property
    def size(self) -> int:
        """More than any id: (row, id) pairs are numbered row * size + id."""
        return len(self.start)

    def add(self, word: str, columns: tuple[int, ...], phrase: int) -> None:
        i = len(self.ids)
        if i == len(self.start):
            grow = len(self.start)
            self.start, self.length, self.phrase = (
                np.concatenate([a, np.zeros(grow, dtype=np.int64)])
                for a in (self.start, self.length, self.phrase)
            )
        while self.used + len(columns) > len(self.flat):
            self.flat = np.concatenate([self.flat, np.zeros(len(self.flat), dtype=np.int64)])
        self.ids[word] = i
        self.start[i], self.length[i], self.phrase[i] = self.used, len(columns), phrase
        self.flat[self.used : self.used + len(columns)] = columns
        self.used += len(columns)


@dataclass(frozen=True)
class LinearModel:
    name: str
    version: str
    classes: tuple[str, ...]
    index: dict[str, int] = field(repr=False)
    # (features,): each n-gram's weight (train._vocabulary), > 0; 0 for indicators
    idf: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)  # (features, classes)
    intercept: np.ndarray = field(repr=False)  # (classes,)
    meta: dict[str, Any] = field(default_factory=dict, repr=False)
    # word -> the columns of the word itself and of its in-word character n-grams: most of a
    # message's n-grams, and words repeat, so each is spelled out and looked up once per process
    # (bounded, see WORD_CACHE)
    _word_columns: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)
    _phrase_columns: dict[tuple[str, ...], int] = field(default_factory=dict, repr=False)
    # the same columns for `probabilities_of`, under a lasting id per word (bounded alike)
    _word_table: WordTable = field(default_factory=WordTable, repr=False)

    @cached_property
    def _meaning(self) -> slice | None:
        """The weight rows of `Features.meaning`, contiguous; None if the model has none."""
        start = self.index.get(meaning_columns(1)[0])
        if start is None:
            return None
        dims = sum(1 for k in self.index if k.startswith(MEANING))
        return slice(start, start + dims)

    def columns_of_word(self, word: str) -> tuple[int, ...]:
        cols = self._word_columns.get(word)
        if cols is None:
            if len(self._word_columns) >= WORD_CACHE:  # unbounded input mustn't grow memory
                self._word_columns.clear()
            get = self.index.get
            grams = char_grams(word) + word_grams((word,))
            cols = tuple(i for i in map(get, grams) if i is not None)
            self._word_columns[word] = cols
        return cols

    @cached_property
    def idf_weights(self) -> np.ndarray:
        """idf times the weights: `probabilities_of` gathers one matrix, not a vector and one."""
        return self.idf[:, None] * self.weights

    def word_ids(self, sequence: list[str], pad: int) -> np.ndarray:
        """Each word's lasting id in `_word_table` ("" is 0: no columns, no phrase), then `pad`
        0s; a word not seen yet is spelled out (`columns_of_word`) and given one."""
        table = self._word_table
        count = len(sequence) + pad
        ids = np.fromiter(
            map(table.ids.get, chain(sequence, repeat("", pad)), repeat(-1)), np.int64, count
        )
        if ids.min() >= 0:
            return ids
        new = list(dict.fromkeys(w for w in sequence if w not in table.ids))
        if len(table.ids) + len(new) > WORD_CACHE:  # unbounded input mustn't grow memory
            table.clear()
            new = [w for w in dict.fromkeys(sequence) if w not in table.ids]
        phrase = self._phrase_keys[0].get
        for w in new:
            table.add(w, self.columns_of_word(w), phrase(w, 0))
        return np.fromiter(
            map(table.ids.__getitem__, chain(sequence, repeat("", pad))), np.int64, count
        )

    @cached_property
    def _phrase_keys(self) -> tuple[dict[str, int], int, np.ndarray, np.ndarray]:
        """The vocabulary's phrases as numbers, for `probabilities_of`: each word of a phrase
        gets an id (1, 2...; 0 is any other word), a phrase of n words the number its ids spell
        in base `base` plus n - 2 times base ** WORD_NGRAMS[1] (so phrases of different lengths
        never share a number, even where a longer one starts with a 0), all sorted with their
        columns. A long message's phrases are then found by one np.searchsorted, not a look-up
        each."""
        ids: dict[str, int] = {}
        for words in self._phrases():
            for w in words:
                ids.setdefault(w, len(ids) + 1)
        base = len(ids) + 1
        top = WORD_NGRAMS[1]
        assert (top - 1) * base**top < 2**62, "phrase numbers must fit in int64"
        found = [
            (
                sum(ids[w] * base ** (len(words) - 1 - k) for k, w in enumerate(words))
                + (len(words) - 2) * base**top,
                col,
            )
            for words, col in self._phrases().items()
        ]
        keys = np.array([k for k, _ in found], dtype=np.int64)
        cols = np.array([c for _, c in found], dtype=np.int64)
        order = np.argsort(keys)
        return ids, base, keys[order], cols[order]

    def _phrases(self) -> dict[tuple[str, ...], int]:
        """The vocabulary's word n-grams of two words or more, keyed by their words: a message's
        phrases are then looked up from tuples zip() builds in C, not strings joined in Python."""
        if not self._phrase_columns:
            self._phrase_columns.update(
                (tuple(g[2:].split(" ")), i)
                for g, i in self.index.items()
                if g.startswith("w:") and " " in g
            )
        return self._phrase_columns

    def columns(self, features: Features) -> tuple[list[int], list[tuple[int, float]]]:
        """The message's n-gram columns, and its known flags as (column, value): the dictionary
        work of `vector`, in Python; the arithmetic is numpy's, once per call."""
        get = self.index.get
        words = features.words
        phrases = self._phrases().get
        found: set[int | None] = set()
        for n in range(2, WORD_NGRAMS[1] + 1):
            found.update(map(phrases, zip(*(words[k:] for k in range(n)), strict=False)))
        remembered, spell = self._word_columns.get, self.columns_of_word
        # a remembered word with no known columns is () too: only a missing one is spelled out
        found.update(*[c if (c := remembered(w)) is not None else spell(w) for w in set(words)])
        if features.raw:
            found.update(map(get, raw_grams(features.raw)))
        found.discard(None)
        flags = [(get(k), v) for k, v in features.flags.items()]
        return list(found), [(i, v) for i, v in flags if i is not None]  # type: ignore[misc]

    def vector(self, features: Features) -> tuple[list[int], np.ndarray]:
        """The message's row of the design matrix, as (columns, values): what training fits."""
        grams, flags = self.columns(features)
        values = self.idf[grams]
        norm = float(np.sqrt(values @ values)) if grams else 0.0
        if norm:
            values = values / norm
        cols = grams + [i for i, _ in flags]
        parts = [values, np.array([v for _, v in flags], dtype=np.float64)]
        if features.meaning is not None and self._meaning is not None:
            cols += range(self._meaning.start, self._meaning.stop)
            parts.append(features.meaning)
        return cols, np.concatenate(parts)

    def probabilities(self, features: Features) -> dict[str, float]:
        """Softmax over the classes (multinomial logistic regression): `vector`'s row times the
        weights, taken in its three parts (the n-grams gathered by one np.take, the flags, the
        meaning's rows as a slice), not as one gather of every column (a Python list of some
        700 numbers, meaning included, turned into an array for each message)."""
        grams, flags = self.columns(features)
        logits = self.intercept.copy()
        if grams:
            cols = np.array(grams, dtype=np.intp)
            values = self.idf.take(cols)
            norm = float(np.sqrt(values @ values))
            if norm:
                values = values / norm
            logits += values @ self.weights.take(cols, axis=0)
        if flags:
            f_cols, f_values = zip(*flags, strict=True)
            logits += np.array(f_values, dtype=np.float64) @ self.weights.take(f_cols, axis=0)
        if features.meaning is not None and self._meaning is not None:
            logits += features.meaning @ self.weights[self._meaning]
        logits -= logits.max()
        exp = np.exp(logits)
        exp /= exp.sum()
        return dict(zip(self.classes, exp.tolist(), strict=True))

    def probabilities_of(self, many: list[Features]) -> list[dict[str, float]]:
        """`probabilities` of several messages (a long message's windows) at once: numpy's fixed
        cost per call (a gather, a norm, a product) is paid once, not once per window.

        Each row's n-gram columns are gathered with their repeats (a character n-gram of many
        words, a word of several phrases) into one array, keyed by row, and one sort finds the
        distinct (row, column) pairs: a Python set per row cost twice as much. Each word has a
        lasting id, so a message's words become ids in one np.fromiter, each row's distinct
        words come from one sort, and their columns are slices of one lasting array."""
        if len(many) < 2:  # most messages are one window: the plain product costs less
            return [self.probabilities(f) for f in many]
        n, size = len(many), len(self.idf)
        extra_cols: list[np.ndarray] = []  # the raw n-grams' and phrases' columns found
        extra_rows: list[np.ndarray] = []  # and the row of each
        flags: list[tuple[int, int, float]] = []  # (row, column, value) of the known flags
        get = self.index.get
        per_row: list[int] = []  # how many words each row has, with its "" after them
        sequence: list[str] = []  # every row's words, each row followed by "" (id 0)
        for r, features in enumerate(many):
            words = features.words
            per_row.append(len(words) + 1)
            if features.raw:
                raw = [i for i in map(get, raw_grams(features.raw)) if i is not None]
                extra_cols.append(np.array(raw, dtype=np.int64))
                extra_rows.append(np.full(len(raw), r, dtype=np.int64))
            flags += [(r, i, v) for k, v in features.flags.items() if (i := get(k)) is not None]
            sequence += words
            sequence.append("")
        top = WORD_NGRAMS[1]
        size_seq = len(sequence)
        # each word's lasting id, then top - 1 more 0s, so that a phrase of any length can
        # start at every position
        wid = self.word_ids(sequence, top - 1)
        table = self._word_table
        row_at = np.repeat(np.arange(n, dtype=np.int64), per_row)
        # each row's distinct words: one sort of (row, id) numbers; "" has no columns
        pairs = row_at * table.size + wid[:size_seq]
        pairs.sort()
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        pair_rows, pair_words = np.divmod(pairs, table.size)
        # the phrases: a run of n ids with a 0 in it (a word no phrase has, or a row's end) is
        # no phrase's number
        _, base, known, columns = self._phrase_keys
        seq = table.phrase[wid]  # each word's id among the phrases' words (0: none)
        if known.size:
            # every run of 2, 3... ids from each position as one number (see _phrase_keys), all
            # found by one search; a run with a 0 in it is no phrase's
            numbers, number = [], seq[:size_seq]
            for length in range(2, top + 1):
                number = number * base + seq[length - 1 : length - 1 + size_seq]
                numbers.append(number + (length - 2) * base**top)
            number = np.concatenate(numbers)
            at = np.minimum(np.searchsorted(known, number), known.size - 1)
            hit = np.flatnonzero(known[at] == number)
            extra_cols.append(columns[at[hit]])
            extra_rows.append(row_at[hit % size_seq])  # a run's row is its first word's
        # each (row, word) pair's columns: its slice of the table's, spelled out by one np.repeat
        lengths = table.length[pair_words]
        ends = np.cumsum(lengths)
        slices = np.repeat(table.start[pair_words] - (ends - lengths), lengths)
        slices += np.arange(slices.size)
        rows = np.concatenate([np.repeat(pair_rows, lengths), *extra_rows])
        keys = rows * size + np.concatenate([table.flat[slices], *extra_cols])
        if n * size < 2**31:  # int32 keys sort in about half the time
            keys = keys.astype(np.int32)
        keys.sort()
        if keys.size:
            keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
        # the keys are sorted, so each row's are one run: where each starts, by one search (a
        # division of every key cost more)
        offsets = np.arange(n + 1, dtype=np.int64) * size
        bounds = np.searchsorted(keys, offsets)
        sizes = np.diff(bounds)
        cols = keys - np.repeat(offsets[:-1], sizes)
        values = np.take(self.idf, cols)  # np.take: several times faster than idf[cols]
        if sizes.all():  # every row has n-grams (all but the odd empty window)
            starts = bounds[:-1]
            norms = np.sqrt(np.add.reduceat(values * values, starts))
            sums = np.add.reduceat(np.take(self.idf_weights, cols, axis=0), starts)
            logits = sums / np.where(norms > 0, norms, 1.0)[:, None] + self.intercept
        else:
            row = np.repeat(np.arange(n, dtype=np.int64), sizes)
            norms = np.sqrt(np.bincount(row, weights=values * values, minlength=n))
            logits = np.tile(self.intercept, (n, 1))
            if cols.size:
                filled = sizes > 0  # a row's sum runs to the next filled row's first column
                starts = bounds[:-1][filled]
                sums = np.add.reduceat(np.take(self.idf_weights, cols, axis=0), starts)
                logits[filled] += sums / np.where(norms > 0, norms, 1.0)[filled, None]
        if flags:
            f_row, f_col, f_value = map(np.array, zip(*flags, strict=True))
            np.add.at(logits, f_row, self.weights[f_col] * f_value[:, None])
        if self._meaning is not None:
            about = [(r, f.meaning) for r, f in enumerate(many) if f.meaning is not None]
            if len(about) == n:  # the crisis reader's rows all have one: no row index
                logits += np.stack([v for _, v in about]) @ self.weights[self._meaning]
            elif about:
                m_rows, vectors = zip(*about, strict=True)
                logits[list(m_rows)] += np.stack(vectors) @ self.weights[self._meaning]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        exp /= exp.sum(axis=1, keepdims=True)
        return [dict(zip(self.classes, r, strict=True)) for r in exp.tolist()]

    def save(self, path: Path) -> None:
        vocab = sorted(self.index, key=self.index.__getitem__)
        header = {"name": self.name, "version": self.version, "classes": list(self.classes)}
        header.update(self.meta)
        with path.open("wb") as fh:  # np.savez on a path would add ".npz" to other suffixes
            np.savez_compressed(
                fh,
                vocab=np.array(vocab, dtype=np.str_),
                idf=self.idf.astype(np.float64),
                weights=self.weights.astype(np.float32),
                intercept=self.intercept.astype(np.float64),
                header=np.array(json.dumps(header, sort_keys=True)),
            )


def load(path: Path) -> LinearModel:
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            vocab = data["vocab"].tolist()
            idf, weights, intercept = data["idf"], data["weights"], data["intercept"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelMissing(
            f"{path.name}: can't read the trained model; run `rehearse train`"
        ) from exc
    name, version, classes = header.pop("name"), header.pop("version"), header.pop("classes")
    return LinearModel(
        name=name,
        version=version,
        classes=tuple(classes),
        index={w: i for i, w in enumerate(vocab)},
        idf=idf,
        weights=weights.astype(np.float64),
        intercept=intercept,
        meta=header,
    )


@cache
def shipped(name: str) -> LinearModel:
    """The model the project ships (`crisis` or `style`), loaded once per process."""
    return load(MODELS / f"{name}.npz")
