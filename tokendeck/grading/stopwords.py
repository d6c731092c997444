"""English function words: never key concepts of an answer.

Written for this project: articles, pronouns, auxiliaries, prepositions,
conjunctions and the filler of definitions ("a kind of", "used to").
Negations are deliberately absent: "not" changes what an answer says.
"""

from __future__ import annotations

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the this that these those it its it's itself they them their theirs
    he him his she her hers we us our you your i me my mine one ones
    is are was were be been being am do does did done doing has have had having
    will would shall should can could may might must
    of in on at by for with from to into onto upon over under about above below
    between through during before after since until within without against
    among across along around toward towards via per than then
    and or but nor so yet also as if because while whereas although though
    which who whom whose what when where why how whether
    there here such some any each every all both either neither many much
    more most less least other another same own very just only even still
    called known named refers refer referred term means meaning mean
    kind kinds type types sort way ways thing things something basically essentially
    e g ie eg etc like i.e use used uses using make makes made up off
    """.split()  # noqa: SIM905  (a word block reads better than 150 quoted strings)
)

#: Words that turn a statement into its opposite. "no", "none" and "without"
#: are left out: "no recurrence" and "without being used up" describe, they
#: do not contradict.
NEGATIONS: frozenset[str] = frozenset(
    "not never cannot cant dont doesnt isnt arent wasnt werent".split()  # noqa: SIM905
)
