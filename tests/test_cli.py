"""The CLI on real files: run writes every output; claims, facts, eval, report, vocab."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from accord.cli import EXIT_SKIPPED, cli


def test_run_writes_store_and_outputs(runner: CliRunner, khojaly: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(cli, ["run", str(khojaly), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("accord.db", "claims.jsonl", "claims.csv", "facts.json", "report.md",
                 "report.html"):
        assert (out / name).stat().st_size > 0, name
    facts = json.loads((out / "facts.json").read_text("utf-8"))
    assert len(facts["documents"]) == 5
    lines = (out / "claims.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == len(facts["facts"][0]["values"][0]["claims"]) or len(lines) > 50


def test_claims_jsonl_on_stdout(runner: CliRunner, hathras: Path) -> None:
    result = runner.invoke(cli, ["claims", str(hathras), "--format", "jsonl"])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["doc"] for r in records} == {p.name for p in hathras.glob("0*.txt")}
    toll = [r for r in records if r["doc"] == "004_indiatvnews.txt" and r["category"] == "killed"
            and r["group"] == "all"]
    assert [r["value"] for r in toll] == [121]


def test_facts_json_and_table(runner: CliRunner, khojaly: Path) -> None:
    result = runner.invoke(cli, ["facts", str(khojaly), "--format", "json"])
    data = json.loads(result.stdout)
    killed = next(f for f in data["facts"] if f["category"] == "killed" and f["group"] == "all"
                  and f["event"].startswith("khojaly"))
    assert killed["best"] == 613
    table = runner.invoke(cli, ["facts", str(khojaly), "--format", "table"])
    assert table.exit_code == 0 and "613" in table.stdout


def test_stdin_document(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["claims", "-"], input="Storms killed 14 people on Monday.\n")
    record = json.loads(result.stdout.splitlines()[0])
    assert (record["doc"], record["category"], record["value"]) == ("stdin", "killed", 14)


def test_eval_prints_scores(runner: CliRunner, khojaly: Path) -> None:
    result = runner.invoke(cli, ["eval", str(khojaly), "--gold", str(khojaly / "gold.jsonl"),
                                 "--json"])
    assert result.exit_code == 0
    score = json.loads(result.stdout)
    assert score["f1"] >= 0.95
    assert score["event_separation"]["precision"] == 1.0


def test_skipped_input_gives_its_own_exit_status(runner: CliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("Nine people died in the blaze.", "utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\x00binary")
    result = runner.invoke(cli, ["run", str(corpus), "--out", str(tmp_path / "o")])
    assert result.exit_code == EXIT_SKIPPED
    assert "bad.txt" in result.stderr
    facts = json.loads((tmp_path / "o" / "facts.json").read_text("utf-8"))
    assert [s["path"] for s in facts["skipped"]] == ["bad.txt"]
    strict = runner.invoke(cli, ["run", str(corpus), "--out", str(tmp_path / "s"), "--strict"])
    assert strict.exit_code == 1 and "bad.txt" in strict.output


def test_user_vocabulary_extends_cues(runner: CliRunner, tmp_path: Path) -> None:
    doc = tmp_path / "d.txt"
    doc.write_text("The militia butchered 17 villagers.", "utf-8")
    plain = runner.invoke(cli, ["claims", str(doc)])
    assert plain.stdout == ""
    words = tmp_path / "words.yaml"
    words.write_text("categories:\n  killed:\n    cues: [butchered]\n", "utf-8")
    extended = runner.invoke(cli, ["claims", str(doc), "--vocab", str(words)])
    assert json.loads(extended.stdout)["value"] == 17
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories: [not, a, mapping", "utf-8")
    broken = runner.invoke(cli, ["vocab", "--vocab", str(bad)])
    assert broken.exit_code == 1 and "bad.yaml" in broken.output


def test_report_from_store(runner: CliRunner, khojaly: Path, tmp_path: Path) -> None:
    runner.invoke(cli, ["run", str(khojaly), "--out", str(tmp_path / "r")])
    out = tmp_path / "again.html"
    result = runner.invoke(cli, ["report", str(tmp_path / "r" / "accord.db"), "-o", str(out)])
    assert result.exit_code == 0
    assert "613" in out.read_text("utf-8")


def test_every_command_has_help_and_an_example(runner: CliRunner) -> None:
    for name, command in cli.commands.items():
        assert command.help and "Example:" in command.help, name
        assert runner.invoke(cli, [name, "--help"]).exit_code == 0
