"""The lexical stages of the grader: everything that runs without the model."""

from __future__ import annotations

import pytest

from tokendeck.grading import Grader, Stage, Verdict
from tokendeck.grading.alternatives import accepted_forms, expand_optional, split_alternatives
from tokendeck.grading.cache import LruCache
from tokendeck.grading.concepts import extract_concepts, measure_coverage, words_match
from tokendeck.grading.definitions import definition_part
from tokendeck.grading.facts import is_short_fact
from tokendeck.grading.lexical import contradiction_factor, is_typo
from tokendeck.grading.meaning import BANDS, Evidence, Thresholds, decide
from tokendeck.grading.normalise import compact, normalise
from tokendeck.grading.typos import allowed_edits, edit_distance


@pytest.fixture(scope="module")
def lexical() -> Grader:
    """A grader that never loads the embedding model."""
    return Grader(use_embeddings=False)


# -- normalisation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Café  Crème! ", "cafe creme"),
        ("“Attention Is All You Need.”", "attention is all you need"),
        ("in-painting", "in painting"),
        ("1,000 and 3.14", "1000 and 3.14"),
        ("Cafe\u0301", "cafe"),  # decomposed accent, NFC first
        ("ＧＰＴ", "gpt"),  # full-width letters
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_compact_ignores_spaces_hyphens_and_a_leading_article() -> None:
    assert compact("The Pile") == compact("pile")
    assert compact("in-painting") == compact("Inpainting")


# -- alternatives -----------------------------------------------------------


def test_spaced_slash_separates_alternatives_but_bare_slash_does_not() -> None:
    assert split_alternatives("inpainting / in-painting") == ["inpainting", "in-painting"]
    assert split_alternatives("TCP/IP") == ["TCP/IP"]


def test_optional_parts_in_parentheses() -> None:
    assert expand_optional("(the) Vision Transformer") == [
        "the Vision Transformer",
        "Vision Transformer",
    ]
    assert expand_optional("O(log n)") == ["O(log n)"]  # notation, not an optional part


def test_accepted_forms_put_the_full_reference_first() -> None:
    forms = accepted_forms("T5 (Text-To-Text Transfer Transformer)", ["t-5"])
    assert forms[0] == "T5 Text-To-Text Transfer Transformer"
    assert "T5" in forms and "t-5" in forms


# -- typos --------------------------------------------------------------------


def test_edit_distance_counts_swaps_as_one() -> None:
    assert edit_distance("recieve", "receive") == 1
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("abcdef", "uvwxyz", limit=2) == 3  # stops early


def test_allowance_grows_with_length() -> None:
    assert [allowed_edits(n) for n in (3, 4, 5, 10, 11, 20, 21)] == [0, 0, 1, 1, 2, 2, 3]


@pytest.mark.parametrize(
    ("answer", "form", "expected"),
    [
        ("Canbera", "Canberra", True),
        ("Austria", "Australia", False),  # two edits in nine letters: another country
        ("Iraq", "Iran", False),  # short words get no allowance
        ("1944", "1945", False),  # numbers never
        ("Text to Text Transfer Tranformer", "Text-To-Text Transfer Transformer", True),
        ("O(n log n)", "O(log n)", False),
    ],
)
def test_is_typo(answer: str, form: str, expected: bool) -> None:
    assert is_typo(answer, form) is expected


# -- concepts -------------------------------------------------------------------


def test_concepts_skip_function_words_and_weigh_rare_words_more() -> None:
    concepts = {
        c.key: c for c in extract_concepts("The Pile is an 825 GiB dataset made by the team")
    }
    assert "the" not in concepts and "is" not in concepts
    assert concepts["825"].kind == "number"
    assert concepts["pile"].weight > concepts["team"].weight


def test_words_match_inflections_and_typos_but_not_lookalikes() -> None:
    assert words_match("models", "model")
    assert words_match("generation", "generate")
    assert words_match("diffusion", "difusion")
    assert not words_match("generative", "general")


def test_coverage_lists_found_and_missed() -> None:
    concepts = extract_concepts("a protein that speeds up a chemical reaction")
    coverage = measure_coverage(concepts, "proteins make reactions faster")
    assert {c.key for c in coverage.found} == {"protein", "reaction"}
    assert "chemical" in {c.key for c in coverage.missed}
    assert 0 < coverage.score < 1


# -- stage selection ------------------------------------------------------------


def test_definition_part_drops_the_term_being_defined() -> None:
    assert definition_part("Osmosis is the movement of water.") == "the movement of water."
    assert definition_part("GPT stands for Generative Pre-trained Transformer") == (
        "Generative Pre-trained Transformer"
    )
    assert definition_part("Because it is diverse") == "Because it is diverse"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("Canberra", True),
        ("1945", True),
        ("Ben Wang and Aran Komatsuzaki", True),
        ("The process by which plants turn light into chemical energy", False),
    ],
)
def test_short_facts(reference: str, expected: bool) -> None:
    assert is_short_fact(reference) is expected


def test_negation_and_changed_numbers_are_penalised() -> None:
    assert contradiction_factor("atoms that have more neutrons", "atoms that do not have") < 1
    assert contradiction_factor("made in 2022", "made in 2019") < 1
    assert contradiction_factor("a protein", "a protein without side effects") == 1


# -- the grader without a model -------------------------------------------------


def test_exact_alternative_and_typo_stages(lexical: Grader) -> None:
    assert lexical.grade("Inpainting / In-painting", "in painting").stage is Stage.EXACT
    result = lexical.grade(
        "T5", "Text-To-Text Transfer Transformer", accepted=["Text-To-Text Transfer Transformer"]
    )
    assert result.stage is Stage.ALTERNATIVE and result.score == 1.0
    typo = lexical.grade("Mitochondrion", "mitochondrian")
    assert (typo.verdict, typo.stage, typo.rating) == (Verdict.CORRECT, Stage.TYPO, 3)


def test_empty_answer_is_incorrect(lexical: Grader) -> None:
    result = lexical.grade("Canberra", "  ?! ")
    assert (result.verdict, result.stage, result.score) == (Verdict.INCORRECT, Stage.EMPTY, 0.0)


@pytest.mark.parametrize(
    ("expected", "answer", "verdict"),
    [
        ("Canberra", "Sydney", Verdict.INCORRECT),
        ("Canberra", "It is Canberra", Verdict.CORRECT),
        ("Canberra", "Sydney or Canberra", Verdict.PARTLY_CORRECT),  # a hedge
        ("1945", "1944", Verdict.INCORRECT),
        ("1945", "in 1945", Verdict.CORRECT),
        ("1969", "1996", Verdict.INCORRECT),
        ("George Washington", "Washington", Verdict.CORRECT),
        ("George Washington", "John Adams", Verdict.INCORRECT),
        ("Ben Wang and Aran Komatsuzaki", "Ben Wang", Verdict.PARTLY_CORRECT),
        ("DALL-E 2", "DALL-E 3", Verdict.INCORRECT),
        ("GPT-J", "GPT-Neo", Verdict.INCORRECT),
        ("100 °C", "100", Verdict.CORRECT),
        ("O(log n)", "O(n)", Verdict.INCORRECT),
        ("Outpainting / Out-painting", "inpainting", Verdict.INCORRECT),
    ],
)
def test_short_facts_are_decided_lexically(
    lexical: Grader, expected: str, answer: str, verdict: Verdict
) -> None:
    result = lexical.grade(expected, answer)
    assert result.verdict is verdict, result.explanation
    assert result.similarity is None  # never by embedding similarity


def test_without_the_model_grading_degrades_to_concepts_and_says_so(lexical: Grader) -> None:
    result = lexical.grade(
        "Osmosis is the movement of water across a semi-permeable membrane.",
        "water moving through a semipermeable membrane",
    )
    assert result.stage is Stage.CONCEPTS
    assert result.notes and "key concepts only" in result.notes[0]
    assert "water" in result.found and result.verdict is Verdict.CORRECT


def test_explanation_lists_concepts_found_and_missed(lexical: Grader) -> None:
    result = lexical.grade(
        "The Pile is an 825 GiB dataset made by EleutherAI.", "a dataset from EleutherAI"
    )
    assert "EleutherAI" in result.found and "825" in result.missed
    assert "Found: " in result.explanation and "Missed: " in result.explanation


def test_scores_stay_in_their_verdict_band(lexical: Grader) -> None:
    for answer in ("water through a membrane", "the movement of water", "cell division"):
        result = lexical.grade("Osmosis is the movement of water across a membrane.", answer)
        low, high = BANDS[result.verdict]
        assert low <= result.score <= high


def test_decide_uses_meaning_for_correct_and_precision_for_partly() -> None:
    t = Thresholds()
    assert decide(Evidence(cosine=0.85, coverage=0.6, precision=0.9), t)[0] is Verdict.CORRECT
    assert decide(Evidence(cosine=0.5, coverage=0.1, precision=1.0), t)[0] is (
        Verdict.PARTLY_CORRECT
    )
    assert decide(Evidence(cosine=0.3, coverage=0.0, precision=0.1), t)[0] is Verdict.INCORRECT


def test_lru_cache_evicts_the_least_recently_used() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and len(cache) == 2


def test_grading_import_loads_no_heavy_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tokendeck.grading, tokendeck.cli.grade;"
        "heavy = {'numpy', 'onnxruntime', 'tokenizers'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_whole_card_back_is_graded_against_its_first_paragraph(lexical: Grader) -> None:
    from tokendeck.grading.reference import reference_text

    back = "The **Pile** is an [825 GiB](https://x.org) dataset.\n\n- Built by EleutherAI in 2020"
    assert reference_text(back) == "The Pile is an 825 GiB dataset."
    result = lexical.grade(back, "a dataset of 825 GiB")
    assert "EleutherAI" not in result.missed and "2020" not in result.missed


def test_misspellings_are_corrected_towards_the_reference_before_the_meaning_check() -> None:
    from tokendeck.grading.spelling import correct_towards

    reference = "an image model that splits an image into fixed-size patches"
    assert correct_towards("cuts imgae into pathces", reference) == "cuts image into patches"
    # real words stay, even when they are one edit from a reference word
    assert correct_towards("General Pre-trained", "Generative Pre-trained") == (
        "General Pre-trained"
    )
    assert correct_towards("a model", "") == "a model"


def test_opposites_are_caught() -> None:
    from tokendeck.grading.opposites import swapped_opposites

    assert swapped_opposites("a general rise in prices", "prices fall") == [("fall", "ris")]
    assert swapped_opposites("it removes noise step by step", "it adds noise")
    assert swapped_opposites("from low to high concentration", "from high to low") == []
    assert contradiction_factor("0 degrees latitude", "0 degrees longitude") < 1
