"""Scheduling, pure: FSRS-6 on the learner's calendar (:mod:`.scheduler`) and today's study
queue (:mod:`.queue`). Every call that depends on time takes ``now``."""
