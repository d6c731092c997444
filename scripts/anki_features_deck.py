"""The note types and notes of the made-up ``anki-features`` test deck.

No public deck with a licence that lets us keep it was found that has, together,
MathJax macros (``\\newcommand``/``\\renewcommand``/``\\def`` in a field and in a
template), legacy ``[$]``/``[$$]``/``[latex]`` LaTeX with rendered images, clozes with
hints and maths, and the ``type:``/``hint:``/``text:``/``furigana:`` filters; so this
deck has them all, written the way Anki users write them.
"""

from __future__ import annotations

from typing import Any

_CSS = """.card { font-family: Georgia, serif; font-size: 20px; text-align: center; }
.cloze { font-weight: bold; color: blue; }
.defs { display: none; }
.extra { color: #555; font-size: 80%; }
"""

#: Macros that every card of the "Maths" note type gets from its template.
_TEMPLATE_MACROS = r"<span class=defs>\(\newcommand{\R}{\mathbb{R}}\def\norm#1{\left\lVert #1\right\rVert}\)</span>"

FEATURE_MODELS: list[dict[str, Any]] = [
    {
        "name": "Maths (MathJax)",
        "flds": [{"name": n} for n in ("Front", "Back", "Notes")],
        "tmpls": [
            {
                "name": "Card 1",
                "qfmt": _TEMPLATE_MACROS + "\n<div class=q>{{Front}}</div>",
                "afmt": "{{FrontSide}}\n<hr id=answer>\n{{Back}}"
                "{{#Notes}}<div class=extra>{{Notes}}</div>{{/Notes}}",
            }
        ],
        "css": _CSS,
    },
    {
        "name": "Legacy LaTeX",
        "flds": [{"name": "Front"}, {"name": "Back"}],
        "tmpls": [
            {
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Back}}",
            }
        ],
        "css": _CSS,
        "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n"
        "\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n"
        "\\setlength{\\parindent}{0in}\n\\newcommand{\\RR}{\\mathbb{R}}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
    },
    {
        "name": "Cloze (hints)",
        "type": 1,
        "flds": [{"name": "Text"}, {"name": "Back Extra"}],
        "tmpls": [
            {
                "name": "Cloze",
                "qfmt": "{{cloze:Text}}",
                "afmt": "{{cloze:Text}}<br>\n<div class=extra>{{Back Extra}}</div>",
            }
        ],
        "css": _CSS,
    },
    {
        "name": "Cloze (typed)",
        "type": 1,
        "flds": [{"name": "Text"}, {"name": "Extra"}],
        "tmpls": [
            {
                "name": "Cloze",
                "qfmt": "{{cloze:Text}}\n{{type:cloze:Text}}",
                "afmt": "{{cloze:Text}}\n{{type:cloze:Text}}\n{{#Extra}}<hr>{{text:Extra}}{{/Extra}}",
            }
        ],
        "css": _CSS,
    },
    {
        "name": "Vocabulary (filters)",
        "flds": [
            {"name": n}
            for n in (
                "Word",
                "Reading",
                "Meaning",
                "Hint",
                "Example",
                "Audio",
                "Picture",
                "Reverse",
            )
        ],
        "tmpls": [
            {
                "name": "Recognise",
                "qfmt": "<div class=word>{{furigana:Reading}}</div>\n"
                "{{#Hint}}{{hint:Hint}}{{/Hint}}\n{{type:Meaning}}",
                "afmt": "{{FrontSide}}\n<hr id=answer>\n<div>{{Meaning}}</div>\n"
                "<div>{{kana:Reading}} / {{kanji:Reading}}</div>\n"
                "{{^Example}}<i>(no example)</i>{{/Example}}"
                "{{#Example}}<p>{{text:Example}}</p>{{/Example}}\n{{Audio}}{{Picture}}\n"
                "<!-- the note's place, for the learner -->\n"
                "<div class=extra>{{Tags}} | {{Deck}} | {{Subdeck}} | {{Card}} | {{Type}}</div>\n"
                "{{unknownfilter:Word}}{{#c1}}<span class=extra>first card</span>{{/c1}}",
            },
            {
                "name": "Recall",
                "qfmt": "{{#Reverse}}<div>{{Meaning}}</div>{{Picture}}{{/Reverse}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Word}}<br>{{Reading}}"
                "{{#c2}}<span class=extra>second card</span>{{/c2}}",
            },
        ],
        "css": _CSS,
    },
]

_M = "Maths (MathJax)"
_L = "Legacy LaTeX"
_C = "Cloze (hints)"
_T = "Cloze (typed)"
_V = "Vocabulary (filters)"

#: (note type, deck, field values, tags)
FEATURE_NOTES: list[tuple[str, str, list[str], list[str]]] = [
    (
        _M,
        "Features::Maths",
        [
            r"\(\newcommand{\E}{\mathbb{E}}\newcommand{\Var}{\operatorname{Var}}\)"
            r"What is \(\Var(X)\) in terms of \(\E\)?",
            r"\[\Var(X) = \E[X^2] - (\E X)^2\]",
            "",
        ],
        ["maths", "probability"],
    ),
    (
        _M,
        "Features::Maths",
        [
            r"\(\newcommand{\SD}{\operatorname{SD}}\)How is \(\SD(X)\) related to the variance?",
            r"\(\SD(X) = \sqrt{\operatorname{Var}(X)}\)",
            "Macros defined in one field are used in another: "
            r"\(\newcommand{\Cov}[2]{\operatorname{Cov}(#1,#2)}\Cov{X}{X} = \operatorname{Var}X\)",
        ],
        ["maths", "probability"],
    ),
    (
        _M,
        "Features::Maths",
        [
            r"Norm of \(v \in \R^n\)?",
            r"\(\norm{v} = \sqrt{\sum_{i=1}^n v_i^2}\)",
            r"Uses \(\R\) and \(\norm{\cdot}\) from the template.",
        ],
        ["maths"],
    ),
    (
        _M,
        "Features::Maths",
        [
            "A display formula broken over lines:",
            r"\[\begin{aligned} (a+b)^2 &amp;= a^2 + 2ab + b^2 \\<br>"
            r"(a-b)^2 &amp;= a^2 - 2ab + b^2\end{aligned}\]",
            r"Inequalities: \(a &lt; b \leq c\), \(\Omega \geq \sum_k \omega_k\).",
        ],
        ["maths"],
    ),
    (
        _M,
        "Features::Maths",
        [
            r"\(\renewcommand{\vec}[1]{\mathbf{#1}}\)Cross product \(\vec{a} \times \vec{b}\)?",
            r"\(\|\vec a\|\,\|\vec b\| \sin\theta\,\vec n\)",
            "Dollars are not maths in Anki: it costs $$5 and $6.",
        ],
        ["maths"],
    ),
    (
        _M,
        "Features::Maths",
        [
            "Euler's identity",
            r"<div>\(e^{i\pi} + 1 = 0\)</div><div><br></div><div>with <b>five</b> constants</div>",
            r"\(\def\half{\frac{1}{2}}\)\(\half + \half = 1\)",
        ],
        ["maths"],
    ),
    (
        _L,
        "Features::Legacy LaTeX",
        [r"Integral of [$]x^n[/$]?", r"[$]\frac{x^{n+1}}{n+1} + C[/$]"],
        ["latex"],
    ),
    (
        _L,
        "Features::Legacy LaTeX",
        [
            "Gaussian integral",
            r"[$$]\int_{-\infty}^{\infty} e^{-x^2}\,dx = \sqrt{\pi}[/$$]",
        ],
        ["latex"],
    ),
    (
        _L,
        "Features::Legacy LaTeX",
        [
            "Reals in the preamble's macro",
            r"[latex]Every Cauchy sequence in $\RR$ converges.[/latex]",
        ],
        ["latex"],
    ),
    (
        _L,
        "Features::Legacy LaTeX",
        ["Stokes (no image kept)", r"[$]\oint_C \mathbf{F}\cdot d\mathbf{r}[/$]"],
        ["latex"],
    ),
    (
        _C,
        "Features::Cloze",
        [
            "The capital of France is {{c1::Paris::city}} and of Italy {{c2::Rome}}.",
            "Both are capitals.",
        ],
        ["cloze"],
    ),
    (
        _C,
        "Features::Cloze",
        [r"The derivative of \(x^2\) is {{c1::\(2x\)::a formula}}.", ""],
        ["cloze", "maths"],
    ),
    (
        _C,
        "Features::Cloze",
        [r"Pythagoras: \(a^2 + b^2 = {{c1::c^2}}\)", "Cloze inside maths."],
        ["cloze", "maths"],
    ),
    (
        _C,
        "Features::Cloze",
        [
            "{{c1::Water {{c2::boils}} at 100 °C}} at sea level; {{c3::<b>ice</b>}} melts at 0 °C.",
            "Nested clozes.",
        ],
        ["cloze"],
    ),
    (
        _C,
        "Features::Cloze",
        ["{{c1,2::Both cards}} hide this; {{c2::only the second}} hides this.", ""],
        ["cloze"],
    ),
    (
        _T,
        "Features::Cloze",
        ["The chemical symbol of gold is {{c1::Au}}.", "From <i>aurum</i>."],
        ["cloze", "typed"],
    ),
    (
        _T,
        "Features::Cloze",
        ["{{c1::Mercury}} and {{c1::Venus}} have no moons; {{c2::Mars}} has two.", ""],
        ["cloze", "typed"],
    ),
    (
        _V,
        "Features::Vocabulary::Japanese",
        [
            "日本",
            "日本[にほん]",
            "Japan",
            "Land of the rising sun",
            "<b>日本</b>に 行きます&nbsp;&amp; 楽しい。",
            "[sound:tick.wav]",
            '<img src="red-square.png">',
            "y",
        ],
        ["vocabulary", "japanese"],
    ),
    (
        _V,
        "Features::Vocabulary::Japanese",
        ["水", "水[みず]", "water", "", "", "", "", ""],
        ["vocabulary", "japanese"],
    ),
    (
        _V,
        "Features::Vocabulary",
        ["chat", "chat", "cat", "", "Le chat dort.", "", "", ""],
        [],
    ),
]
