"""The schema-11 collection that ``.apkg`` files for every Anki version carry.

Schema 11 (``collection.anki21``) is the layout every Anki since 2.1 opens,
current Anki included (it upgrades on import), so it is what we export.
Note types, decks and option groups live as JSON in the single ``col`` row;
the JSON below carries every key Anki itself writes, so no version has to
guess a default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tokendeck.rendering import template as card_template
from tokendeck.transfer.package import NoteTypeRecord

SCHEMA_VERSION = 11

TABLES = """
CREATE TABLE col (
  id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL,
  scm integer NOT NULL, ver integer NOT NULL, dty integer NOT NULL,
  usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
  models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL
);
CREATE TABLE notes (
  id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL,
  flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
  flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE cards (
  id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL,
  ord integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL,
  type integer NOT NULL, queue integer NOT NULL, due integer NOT NULL,
  ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL,
  lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
  odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE revlog (
  id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL,
  ease integer NOT NULL, ivl integer NOT NULL, lastIvl integer NOT NULL,
  factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL
);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
"""

#: Created after the bulk insert: building an index once is cheaper than
#: updating it row by row.
INDEXES = """
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""

_CSS = (
    ".card {\n    font-family: arial;\n    font-size: 20px;\n    line-height: 1.5;\n"
    "    text-align: center;\n    color: black;\n    background-color: white;\n}\n"
)
_CLOZE_CSS = _CSS + ".cloze {\n    font-weight: bold;\n    color: blue;\n}\n"
_LATEX_PRE = (
    "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n"
    "\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n"
    "\\setlength{\\parindent}{0in}\n\\begin{document}\n"
)
_ANSWER_RULE = "{{FrontSide}}\n\n<hr id=answer>\n\n"


#: Stock note types: (kind, fields, fields shown on the back) -> (name, OriginalStockKind).
_STOCK: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[str, int]] = {
    ("basic", ("Front", "Back"), ("Back",)): ("Basic", 1),
    ("basic_reversed", ("Front", "Back"), ("Back",)): ("Basic (and reversed card)", 2),
    ("basic_reversed", ("Front", "Back", "Add Reverse"), ("Back",)): (
        "Basic (optional reversed card)",
        3,
    ),
    ("type_in", ("Front", "Back"), ("Back",)): ("Basic (type in the answer)", 4),
    ("cloze", ("Text", "Back Extra"), ("Back Extra",)): ("Cloze", 5),
}
_KIND_NAMES = {
    "basic": "Basic",
    "basic_reversed": "Basic (and reversed card)",
    "type_in": "Basic (type in the answer)",
    "cloze": "Cloze",
}


@dataclass(frozen=True)
class NoteTypeSpec:
    """A note type we export: its kind, field names and templates."""

    id: int
    name: str
    kind: str  # a TokenDeck note kind
    field_names: tuple[str, ...]
    #: Fields shown on the back; any other field after the first is a switch
    #: (Anki's "Add Reverse") that makes the reverse card optional.
    shown: tuple[str, ...]

    def stock_kind(self) -> int:
        """Anki's OriginalStockKind, or 0 for a note type of our own."""
        return _STOCK.get((self.kind, self.field_names, self.shown), ("", 0))[1]

    def templates(self) -> list[tuple[str, str, str]]:
        """``(name, question, answer)`` of each card template."""
        first = self.field_names[0]
        back = "<br>\n".join(f"{{{{{name}}}}}" for name in self.shown)
        if self.kind == "cloze":
            return [("Cloze", f"{{{{cloze:{first}}}}}", f"{{{{cloze:{first}}}}}<br>\n{back}")]
        if self.kind == "type_in":
            typed = f"{{{{type:{self.shown[0]}}}}}"
            answer = f"{{{{{first}}}}}\n\n<hr id=answer>\n\n{typed}"
            return [("Card 1", f"{{{{{first}}}}}\n\n{typed}", answer)]
        cards = [("Card 1", f"{{{{{first}}}}}", _ANSWER_RULE + back)]
        if self.kind == "basic_reversed":
            switches = self._switches()
            question = f"{{{{#{switches[0]}}}}}{back}{{{{/{switches[0]}}}}}" if switches else back
            cards.append(("Card 2", question, _ANSWER_RULE + f"{{{{{first}}}}}"))
        return cards

    def _switches(self) -> list[str]:
        return [n for n in self.field_names[1:] if n not in self.shown]

    def requirements(self) -> list[list[Any]]:
        """Anki's legacy ``req``: which fields must be non-empty for each card."""
        index = {name: i for i, name in enumerate(self.field_names)}
        shown = [index[n] for n in self.shown]
        if self.kind == "basic_reversed":
            switches = [index[n] for n in self._switches()[:1]]
            if switches:
                return [[0, "any", [0]], [1, "all", shown[:1] + switches]]
            return [[0, "any", [0]], [1, "any", shown]]
        if self.kind == "type_in":
            return [[0, "any", [0, *shown[:1]]]]
        return [[0, "any", [0]]]


def type_name(spec: NoteTypeSpec) -> str:
    """Anki's stock name for a stock shape, else the kind's name with the fields."""
    stock = _STOCK.get((spec.kind, spec.field_names, spec.shown))
    if stock:
        return stock[0]
    return f"{_KIND_NAMES[spec.kind]} ({', '.join(spec.field_names)})"


def model_json(spec: NoteTypeSpec, *, mtime: int) -> dict[str, Any]:
    """The ``col.models`` entry for one note type."""
    return {
        "id": spec.id,
        "name": spec.name,
        "type": 1 if spec.kind == "cloze" else 0,
        "mod": mtime,
        "usn": -1,
        "sortf": 0,
        "did": None,
        "tmpls": [_template(i, *t) for i, t in enumerate(spec.templates())],
        "flds": [_field(i, name) for i, name in enumerate(spec.field_names)],
        "css": _CLOZE_CSS if spec.kind == "cloze" else _CSS,
        "latexPre": _LATEX_PRE,
        "latexPost": "\\end{document}",
        "latexsvg": False,
        "req": spec.requirements(),
        "originalStockKind": spec.stock_kind(),
        "tags": [],
        "vers": [],
    }


def record_model_json(record: NoteTypeRecord, model_id: int, *, mtime: int) -> dict[str, Any]:
    """The ``col.models`` entry for a note type that came with the package."""
    names = list(record.field_names)
    requirements = []
    for ordinal, template in enumerate(record.templates):
        kind, indexes = card_template.requirements(card_template.parse(template.question), names)
        requirements.append([ordinal, kind, indexes])
    return {
        "id": model_id,
        "name": record.name,
        "type": 1 if record.kind == "cloze" else 0,
        "mod": mtime,
        "usn": -1,
        "sortf": record.sort_field if 0 <= record.sort_field < len(names) else 0,
        "did": None,
        "tmpls": [
            _template(i, t.name, t.question, t.answer) for i, t in enumerate(record.templates)
        ],
        "flds": [_field(i, name) for i, name in enumerate(names)],
        "css": record.css,
        "latexPre": record.latex_pre or _LATEX_PRE,
        "latexPost": record.latex_post or "\\end{document}",
        "latexsvg": record.latex_svg,
        "req": requirements,
        "originalStockKind": 0,
        "tags": [],
        "vers": [],
    }


def _template(ordinal: int, name: str, question: str, answer: str) -> dict[str, Any]:
    return {
        "name": name,
        "ord": ordinal,
        "qfmt": question,
        "afmt": answer,
        "bqfmt": "",
        "bafmt": "",
        "did": None,
        "bfont": "",
        "bsize": 0,
    }


def _field(ordinal: int, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "ord": ordinal,
        "sticky": False,
        "rtl": False,
        "font": "Arial",
        "size": 20,
        "description": "",
        "plainText": False,
        "collapsed": False,
        "excludeFromSearch": False,
        "media": [],
    }


def deck_json(
    deck_id: int, name: str, description: str, conf_id: int, *, mtime: int
) -> dict[str, Any]:
    """The ``col.decks`` entry for one normal deck."""
    return {
        "id": deck_id,
        "mod": mtime,
        "name": name,
        "usn": -1,
        "lrnToday": [0, 0],
        "revToday": [0, 0],
        "newToday": [0, 0],
        "timeToday": [0, 0],
        "collapsed": False,
        "browserCollapsed": False,
        "desc": description,
        "dyn": 0,
        "conf": conf_id,
        "extendNew": 0,
        "extendRev": 0,
    }


def dconf_json(conf_id: int, name: str, options: dict[str, Any], *, mtime: int) -> dict[str, Any]:
    """The ``col.dconf`` entry for one option group, from TokenDeck deck options."""
    minutes = _minutes(options.get("learning_steps"), [1.0, 10.0])
    relearn = _minutes(options.get("relearning_steps"), [10.0])
    return {
        "id": conf_id,
        "mod": mtime,
        "name": name,
        "usn": -1,
        "maxTaken": 60,
        "autoplay": True,
        "timer": 0,
        "replayq": True,
        "new": {
            "bury": False,
            "delays": minutes,
            "initialFactor": 2500,
            "ints": [1, 4, 0],
            "order": 1,
            "perDay": int(options.get("new_per_day", 20)),
        },
        "rev": {
            "bury": False,
            "ease4": 1.3,
            "ivlFct": 1.0,
            "maxIvl": int(options.get("maximum_interval", 36500)),
            "perDay": int(options.get("reviews_per_day", 200)),
            "hardFactor": 1.2,
        },
        "lapse": {
            "delays": relearn,
            "leechAction": 1,
            "leechFails": int(options.get("leech_threshold", 8)),
            "minInt": 1,
            "mult": 0.0,
        },
        "dyn": False,
        "newMix": 0,
        "newPerDayMinimum": 0,
        "interdayLearningMix": 0,
        "reviewOrder": 0,
        "newSortOrder": 0,
        "newGatherPriority": 0,
        "buryInterdayLearning": False,
        "fsrsWeights": [],
        "fsrsParams5": [],
        "fsrsParams6": [float(p) for p in _floats(options.get("fsrs_parameters"))],
        "desiredRetention": float(options.get("desired_retention", 0.9)),
        "ignoreRevlogsBeforeDate": "",
        "easyDaysPercentages": [1.0] * 7,
        "stopTimerOnAnswer": False,
        "secondsToShowQuestion": 0.0,
        "secondsToShowAnswer": 0.0,
        "questionAction": 0,
        "answerAction": 0,
        "waitForAudio": True,
        "sm2Retention": 0.9,
        "weightSearch": "",
    }


def _floats(value: Any) -> list[float]:
    return [float(v) for v in value] if isinstance(value, list | tuple) else []


def _minutes(seconds: Any, default: list[float]) -> list[float]:
    steps = _floats(seconds)
    return [round(s / 60, 4) for s in steps] if steps else default


def conf_json(*, current_deck: int, current_model: int) -> dict[str, Any]:
    """The collection-wide ``col.conf`` (v2 scheduler, Anki's defaults)."""
    return {
        "sched2021": True,
        "creationOffset": 0,
        "timeLim": 0,
        "nextPos": 1,
        "curModel": current_model,
        "sortBackwards": False,
        "activeDecks": [current_deck],
        "dayLearnFirst": False,
        "estTimes": True,
        "sortType": "noteFld",
        "collapseTime": 1200,
        "curDeck": current_deck,
        "dueCounts": True,
        "schedVer": 2,
        "newSpread": 0,
        "addToCur": True,
    }


def dumps(value: Any) -> str:
    """Compact JSON, as Anki writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
