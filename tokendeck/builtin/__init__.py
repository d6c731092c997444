"""The built-in "LLM Vocabulary" deck: its text (``tokendeck/data/llm-vocabulary.toml``) read
into the neutral form (:mod:`.deck`). Installing and updating it in a collection is
:mod:`tokendeck.collection.builtin`."""
