"""The memory model: FSRS fitted to the learner's own history, evaluated and simulated.

Modules, one per concept:

* :mod:`~tokendeck.memory.revlogs`    review-log files (CSV, Anki revlog) and the collection's log
* :mod:`~tokendeck.memory.histories`  per-card review sequences counted in study days
* :mod:`~tokendeck.memory.split`      time-series folds (train on the past, test on the future)
* :mod:`~tokendeck.memory.metrics`    log loss, RMSE(bins), AUC
* :mod:`~tokendeck.memory.fsrs6`      FSRS-6 predictions and fitting (``fsrs-rs-python``)
* :mod:`~tokendeck.memory.shrinkage`  our own model: fitted FSRS-6 shrunk toward the defaults
* :mod:`~tokendeck.memory.evaluation` the benchmark protocol, default vs fitted vs ours
* :mod:`~tokendeck.memory.optimizer`  fitting a deck's parameters, with the too-little-history rule
* :mod:`~tokendeck.memory.simulation` workload and retention over the coming days

Heavy libraries (numpy, fsrs_rs_python, matplotlib) are imported inside functions.
"""
