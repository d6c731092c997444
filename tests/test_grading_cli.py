"""``tokendeck grade``, in process: single answers, batches and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokendeck.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI; return exit code, stdout, stderr. No collection is opened."""
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_single_answer_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "grade", "--expected", "Canberra", "--answer", "Sydney")
    assert code == 0
    assert out.startswith("incorrect  score 0.00  rating 1")
    assert "short fact" in out


def test_single_answer_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "grade", "-e", "inpainting / in-painting", "-a", "In painting", "--json"
    )
    data = json.loads(out)
    assert code == 0
    assert data["verdict"] == "correct" and data["stage"] == "exact" and data["rating"] == 3
    assert set(data) >= {"score", "explanation", "found", "missed", "similarity", "notes"}


def test_extra_accepted_answers(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "grade", "-e", "GPT-J", "-a", "gptj", "--accept", "GPTJ", "--json")
    assert json.loads(out)["stage"] in ("exact", "alternative")


def test_lexical_flag_skips_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys,
        "grade",
        "--lexical",
        "--json",
        "-e",
        "Osmosis is the movement of water across a semi-permeable membrane.",
        "-a",
        "water crossing a membrane",
    )
    data = json.loads(out)
    assert data["stage"] == "concepts" and data["similarity"] is None and data["notes"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_batch_prints_one_score_per_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    csv_file = write(
        tmp_path / "answers.csv",
        "reference_answer,student_answer,label\n"
        "Canberra,Sydney,incorrect\n"
        "1945,in 1945,correct\n"
        '"Ottawa","Otawa",correct\n',
    )
    code, out, err = run(capsys, "grade", "--lexical", "--batch", str(csv_file))
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert [line.split("\t")[1] for line in lines] == ["incorrect", "correct", "correct"]
    assert float(lines[0].split("\t")[0]) == 0.0
    assert "Agreement with the label column: 3/3" in err


def test_batch_as_json_keeps_extra_columns_and_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = write(
        tmp_path / "answers.csv",
        'reference_answer,student_answer,card\n"Canberra","It is\nCanberra",geo\n1969,1968,moon\n',
    )
    _, out, _ = run(capsys, "grade", "--lexical", "--batch", str(csv_file), "--json")
    rows = json.loads(out)
    assert [r["line"] for r in rows] == [2, 4]  # the first answer spans two lines
    assert [r["card"] for r in rows] == ["geo", "moon"]
    assert [r["verdict"] for r in rows] == ["correct", "incorrect"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("answer,expected\nx,y\n", "line 1: missing column(s) reference_answer, student_answer"),
        ("reference_answer,student_answer\nx,y\nx,y,z\n", "line 3: has more cells"),
        ("reference_answer,student_answer\nx\n", "line 2: has no student_answer cell"),
        ("", "line 1: missing column(s)"),
    ],
)
def test_batch_errors_name_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    csv_file = write(tmp_path / "bad.csv", content)
    code, out, err = run(capsys, "grade", "--batch", str(csv_file))
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {csv_file}, {message}")


def test_batch_errors_for_unreadable_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "grade", "--batch", str(tmp_path / "missing.csv"))
    assert code == 1 and "missing.csv: cannot read the file" in err
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(b"reference_answer,student_answer\ncaf\xe9,cafe\n")
    code, _, err = run(capsys, "grade", "--batch", str(latin1))
    assert code == 1 and "latin1.csv, line 2: is not UTF-8 text" in err


@pytest.mark.parametrize(
    "args",
    [
        ("grade", "--expected", "x"),
        ("grade", "--answer", "x"),
        ("grade", "--batch", "a.csv", "--expected", "x"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, _, err = run(capsys, *args)
    assert code == 1 and err.startswith("Error: ")


def test_grade_with_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "grade",
        "--json",
        "-e",
        "Photosynthesis is the process by which plants use light energy to turn carbon "
        "dioxide and water into glucose and oxygen.",
        "-a",
        "plants make sugar and oxygen from CO2 and water using sunlight",
    )
    data = json.loads(out)
    assert code == 0 and data["stage"] == "meaning" and data["similarity"] > 0.5
    assert data["verdict"] == "correct"


def test_batch_accepts_an_optional_question_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = write(
        tmp_path / "answers.csv",
        "question,reference_answer,student_answer,card\n"
        '"What is a T5 model?","A T5 model is an encoder-decoder transformer from Google.",'
        '"a T5 model",t5\n'
        ",Canberra,Canberra,geo\n"
        '"What is the capital?",1969,1968,moon\n',
    )
    code, out, _ = run(capsys, "grade", "--lexical", "--batch", str(csv_file), "--json")
    rows = json.loads(out)
    assert code == 0 and [r["card"] for r in rows] == ["t5", "geo", "moon"]  # one per row, in order
    assert all("question" not in r for r in rows)  # consumed, not carried along
    assert all(0 <= r["score"] <= 1 for r in rows)
    assert [r["verdict"] for r in rows] == ["incorrect", "correct", "incorrect"]
    assert rows[0]["stage"] == "guess"  # the question typed back is no answer
    assert all(0.5 <= r["confidence"] <= 1 and isinstance(r["self_rate"], bool) for r in rows)


def test_batch_without_a_question_column_is_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = write(
        tmp_path / "answers.csv",
        "reference_answer,student_answer\n"
        '"A T5 model is an encoder-decoder transformer from Google.","a T5 model"\n',
    )
    _, out, _ = run(capsys, "grade", "--lexical", "--batch", str(csv_file), "--json")
    (row,) = json.loads(out)
    assert row["verdict"] == "incorrect" and row["stage"] != "guess"


def test_single_answer_with_a_question(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "grade", "--lexical", "-q", "What is a T5 model?",
        "-e", "A T5 model is an encoder-decoder transformer from Google.", "-a", "T5 model",
    )  # fmt: skip
    assert code == 0 and out.startswith("incorrect  score 0.00  rating 1  confidence 0.90")
    assert "repeats the question" in out
