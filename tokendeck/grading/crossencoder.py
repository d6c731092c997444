"""The answer judge: a MiniLM cross-encoder fine-tuned on real students' answers.

It reads the reference and the answer together, so it can see what a
bi-encoder cannot: a negation, a swapped cause and effect, a detail that
changes the meaning. It returns a logit; :mod:`tokendeck.grading.judge` turns
it, with the lexical evidence, into a calibrated probability. Weights ship in
tokendeck/grading/models (int8 ONNX, trained by scripts/train_answer_model.py;
model card: docs/answer-judge.md).
onnxruntime, numpy and tokenizers are imported only when the model loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokendeck.errors import ModelUnavailableError
from tokendeck.grading.concepts import stem
from tokendeck.grading.embedder import DEFAULT_TOKENIZER, file_sha256
from tokendeck.grading.normalise import normalise
from tokendeck.grading.stopwords import STOPWORDS

MODEL_FILE = Path(__file__).parent / "models" / "answer-judge.int8.onnx"
#: Longer inputs are cut (the answer and the reference in turn, longest first).
MAX_TOKENS = 128


def content_stems(text: str) -> set[str]:
    """Stems of the content words of ``text``."""
    return {stem(w) for w in normalise(text).split() if w not in STOPWORDS}


def closest_reference(references: Sequence[str], answer: str) -> str:
    """The reference sharing most content words with ``answer`` (the first on a tie)."""
    words = content_stems(answer)
    return max(references, key=lambda r: len(words & content_stems(r)))


def pair_texts(references: Sequence[str], question: str, answer: str) -> tuple[str, str]:
    """The two segments the judge reads: (reference, answer).

    The question is not read by the network (it would double the input and the
    training time); what it gives away is discounted by the lexical evidence
    the calibration adds (:mod:`tokendeck.grading.evidence`) and by the guess
    check (:mod:`tokendeck.grading.guesses`).
    """
    del question  # see the docstring
    reference = closest_reference(references, answer) if references else ""
    return reference, answer


class AnswerJudge:
    """The int8 ONNX cross-encoder: (references, question, answer) -> logit."""

    def __init__(
        self,
        model_path: Path = MODEL_FILE,
        tokenizer_path: Path = DEFAULT_TOKENIZER,
        *,
        sha256: str | None = None,
        threads: int = 1,
    ) -> None:
        """Load now (ModelUnavailableError if a file or the runtime is missing)."""
        try:
            import numpy  # noqa: F401
            import onnxruntime as ort
            import tokenizers
        except ImportError as exc:
            raise ModelUnavailableError(
                f"cannot load the answer judge ({exc.name} is missing)",
                hint="install onnxruntime, numpy and tokenizers (pip install tokendeck)",
            ) from None
        for path in (model_path, tokenizer_path):
            if not path.is_file():
                raise ModelUnavailableError(
                    f"answer judge file {path} not found",
                    hint="reinstall TokenDeck, or retrain it with scripts/train_answer_model.py",
                )
        if sha256 is not None and file_sha256(model_path) != sha256:
            raise ModelUnavailableError(
                f"{model_path} does not have the expected sha256 {sha256}",
                hint="reinstall TokenDeck: the shipped model file was changed",
            )
        self._tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session: Any = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )

    def logits(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """One logit per (segment A, answer) pair; higher means more likely correct."""
        import numpy as np

        if not pairs:
            return []
        encodings = self._tokenizer.encode_batch(list(pairs))
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return [float(v) for v in self._session.run(None, feed)[0].reshape(-1)]

    def logit(self, references: Sequence[str], question: str, answer: str) -> float:
        """The logit for one answer."""
        return self.logits([pair_texts(references, question, answer)])[0]
