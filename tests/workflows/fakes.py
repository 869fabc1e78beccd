"""The only fake in the workflow harness: GitHub's API. The sticky-comment and
create-issue actions and the `gh` CLI record into one JSON file, so a test can
read what a person would see on the pull request or the issues tab."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class GitHubApi:
    path: Path

    def load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"comments": [], "issues": [], "calls": []}
        data: dict[str, Any] = json.loads(self.path.read_text())
        return data

    def save(self, data: dict[str, Any]) -> None:
        self.path.write_text(json.dumps(data, indent=1))

    # -- what a person sees ---------------------------------------------------
    def comments(self, pr: int) -> list[dict[str, Any]]:
        return [c for c in self.load()["comments"] if c["pr"] == pr]

    def issues(self, label: str | None = None) -> list[dict[str, Any]]:
        issues = self.load()["issues"]
        return [i for i in issues if label is None or label in i["labels"]]

    # -- the actions ----------------------------------------------------------
    def sticky_comment(self, pr: int, header: str, body: str) -> None:
        """marocchino/sticky-pull-request-comment: one comment per header."""
        data = self.load()
        marker = f"<!-- Sticky Pull Request Comment{header} -->"
        for c in data["comments"]:
            if c["pr"] == pr and c["header"] == header:
                c["body"], c["edits"] = body + "\n" + marker, c["edits"] + 1
                break
        else:
            data["comments"].append({"id": len(data["comments"]) + 1, "pr": pr,
                                     "header": header, "body": body + "\n" + marker, "edits": 0})
        self.save(data)

    def issue_from_file(self, title: str, body: str, labels: list[str],
                        number: int | None) -> int:
        """peter-evans/create-issue-from-file: update `number`, else create."""
        data = self.load()
        for issue in data["issues"]:
            if number is not None and issue["number"] == number:
                issue.update(title=title, body=body, edits=issue["edits"] + 1)
                self.save(data)
                return number
        new = {"number": len(data["issues"]) + 1, "title": title, "body": body,
               "labels": labels, "state": "open", "comments": [], "edits": 0}
        data["issues"].append(new)
        self.save(data)
        return int(new["number"])


def gh_main(state: Path, argv: list[str]) -> int:
    """The `gh` commands the workflows run: issue list (open, by label) and
    issue close --comment. Anything else is an error, so a workflow change
    that needs more shows up here first."""
    api = GitHubApi(state)
    data = api.load()
    data["calls"].append(argv)
    api.save(data)

    def opt(name: str) -> str | None:
        return argv[argv.index(name) + 1] if name in argv else None

    if argv[:2] == ["issue", "list"]:
        label, status = opt("--label"), opt("--state")
        if opt("--jq") != ".[0].number // empty" or status != "open":
            print(f"fake gh: unsupported issue list {argv}", file=sys.stderr)
            return 2
        found = [i for i in api.issues(label) if i["state"] == "open"]
        if found:
            print(found[0]["number"])
        return 0
    if argv[:2] == ["issue", "close"]:
        number, comment = int(argv[2]), opt("--comment")
        for issue in data["issues"]:
            if issue["number"] == number:
                issue["state"] = "closed"
                if comment:
                    issue["comments"].append(comment)
                api.save(data)
                return 0
        print(f"fake gh: no issue {number}", file=sys.stderr)
        return 1
    print(f"fake gh: unsupported command {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(gh_main(Path(sys.argv[1]), sys.argv[2:]))
