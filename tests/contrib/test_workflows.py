"""The GitHub workflows, issue form and CODEOWNERS are valid and do what the docs promise."""

import subprocess
from pathlib import Path

import pytest
import yaml

from generator.contrib.questions import QUESTIONS, issue_form

from .conftest import BIN, REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    """Run check-jsonschema with one of its built-in (offline) schemas."""
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema,  # noqa: S603
                           *map(str, files)], capture_output=True, text=True, check=False,
                          timeout=120)


def workflow(name: str) -> dict:
    """A workflow file as data (PyYAML reads the `on` key as True)."""
    return yaml.safe_load((REPO / ".github" / "workflows" / name).read_text("utf-8"))


def steps(data: dict, job: str) -> list[dict]:
    """The steps of one job."""
    return data["jobs"][job]["steps"]


def test_workflows_pass_the_github_workflow_schema():
    """Every workflow validates against the GitHub workflow schema."""
    assert len(WORKFLOWS) >= 2
    result = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_catches_a_broken_workflow(tmp_path: Path):
    """The check is not a rubber stamp: a misspelt key fails."""
    broken = tmp_path / "broken.yml"
    broken.write_text((REPO / ".github/workflows/pull-request.yml").read_text("utf-8")
                      .replace("runs-on:", "runs_on:"), encoding="utf-8")
    assert check_jsonschema("vendor.github-workflows", broken).returncode == 1


def test_issue_form_and_config_pass_their_schemas():
    """The issue form and its config validate against GitHub's schemas."""
    folder = REPO / ".github" / "ISSUE_TEMPLATE"
    result = check_jsonschema("vendor.github-issue-forms", folder / "nieuw-aanbod.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("vendor.github-issue-config", folder / "config.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_issue_form_asks_the_questions_of_beweegkaart_new():
    """The committed form is built from the same question list as `beweegkaart new`."""
    form = yaml.safe_load((REPO / ".github/ISSUE_TEMPLATE/nieuw-aanbod.yml").read_text("utf-8"))
    assert form == issue_form()
    assert form["name"] == "Nieuw aanbod aanmelden"
    ids = [e["id"] for e in form["body"] if e["type"] != "markdown"]
    assert ids == [q.id for q in QUESTIONS if not q.private]
    # The private referral address is never asked in the public form.
    assert "verwijzen-email" not in ids


def test_pull_request_workflow():
    """On a pull request: annotate the changed offers, build, upload the preview."""
    data = workflow("pull-request.yml")
    assert "pull_request" in data[True]
    check = steps(data, "check")
    runs = [s.get("run", "") for s in check]
    assert any(s.get("uses", "").startswith("actions/setup-python@") for s in check)
    assert "pip install -e ." in runs
    annotate = next(s for s in check if s.get("id") == "annotate")
    assert "git diff" in annotate["run"] and "beweegkaart annotate" in annotate["run"]
    assert annotate["env"]["BASE"] == "${{ github.event.pull_request.base.sha }}"
    assert check[0]["with"]["fetch-depth"] == 0
    assert runs.index("beweegkaart build") > check.index(annotate)
    upload = next(s for s in check if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "site/"


def test_publish_workflow_deploys_to_pages():
    """On main: build, upload the Pages artifact, deploy with the needed permissions."""
    data = workflow("publish.yml")
    assert data[True]["push"]["branches"] == ["main"]
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = steps(data, "build")
    assert "beweegkaart build" in [s.get("run") for s in build]
    pages = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert pages["with"]["path"] == "site/"
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


@pytest.mark.parametrize("folder, team", [("rotterdam", "@beweegkaart/curatoren-rotterdam"),
                                          ("maastricht", "@beweegkaart/curatoren-maastricht")])
def test_codeowners_per_gemeente(folder, team):
    """Each gemeente folder has its curators; everything else falls back to beheer."""
    lines = [line.split() for line in (REPO / ".github/CODEOWNERS").read_text("utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == ["*", "@beweegkaart/beheer"]  # first: later lines win in CODEOWNERS
    assert [f"/offers/{folder}/", team] in lines
