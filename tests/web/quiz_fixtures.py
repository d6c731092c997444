"""A small deck of machine-learning terms for the quiz API and pages (written for these tests)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tokendeck.collection import Collection

#: (front, back, tags) of the "Vocab" deck, added in this order (card ids follow the seed's).
TERMS = (
    ("CLIP", "A model that learns a shared embedding of images and text from captioned images.",
     ("vision",)),
    ("GLIDE", "A text-to-image diffusion model from OpenAI guided by CLIP or by the caption.",
     ("vision",)),
    ("DALL-E 2", "A text-to-image model that decodes CLIP image embeddings with a diffusion model.",
     ("vision",)),
    ("diffusion model", "A generative model that learns to reverse a gradual noising process.",
     ("generative",)),
    ("tokenizer", "A program that splits text into tokens, the units a language model reads.",
     ("text",)),
    ("embedding", "A vector of numbers that represents a token, word or text by its meaning.",
     ("text",)),
    ("the Pile",
     "The Pile is an 825 GiB open-source dataset of English text for training language models, "
     "built by EleutherAI from 22 smaller, diverse datasets such as PubMed and GitHub in 2020.",
     ("data",)),
    ("GPT-J", "A 6 billion parameter language model from EleutherAI trained on the Pile.",
     ("text",)),
)  # fmt: skip


def add_terms(path: str | Path, now: datetime) -> None:
    """Add :data:`TERMS` to the collection at ``path`` as the deck "Vocab"."""
    with Collection.open(path, now=now, install_builtin=False) as col:
        for front, back, tags in TERMS:
            col.add_note("Vocab", front, back, now=now, tags=tags)
