"""The README's "Try it" queries answer 200 on the shipped content, as a newcomer types them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.push.conftest import PushEnv

README = Path(__file__).resolve().parents[2] / "README.md"


def try_it_commands() -> list[list[str]]:
    """Each curl command of the README's "Try it" shell block, as argument lists (continuations joined)."""
    section = README.read_text(encoding="utf-8").split("## Try it", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    text = re.sub(r"\\\n\s*", " ", block)
    return [
        shlex.split(line, comments=True)
        for line in text.splitlines()
        if line.strip().startswith("curl")
    ]


def test_the_try_it_queries_answer(lmis_env: PushEnv) -> None:
    commands = try_it_commands()
    assert len(commands) >= 4
    with lmis_env.client() as client:
        for args in commands:
            url = next(a for a in args if a.startswith("http"))
            headers = dict(
                h.split(": ", 1) for flag, h in zip(args, args[1:], strict=False) if flag == "-H"
            )
            r = client.get(url.replace("http://127.0.0.1:8000", ""), headers=headers)
            assert r.status_code == 200, (url, r.status_code, r.text[:300])
            assert len(r.content) > 200, url
