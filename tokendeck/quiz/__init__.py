"""Question formats, Learn and Test modes, cloze suggestions, lint and concept links.

Pure logic over :class:`tokendeck.quiz.items.Item` (a card's study text): no
SQL and no user interface. The collection facade wraps it in
:mod:`tokendeck.collection.quizzes`; the CLI, TUI and web app call that facade. Every
answered question ends in an FSRS rating (see :mod:`tokendeck.quiz.ratings`)
recorded through ``Collection.answer`` with an :class:`~tokendeck.domain.attempts.Attempt`.
"""
