"""What `make bench` measures: one line per scenario (read by the runner and the locustfile).

A scenario is a weighted set of tasks run by 16 simulated users without pause. A task is either
a name from ``locustfile.py`` (``baseline``, ``home``, ``search``, ``detail``, ``agencies``,
``lookup``, ``my_dossiers``, ``dossier_detail``, ``send``) or a path starting with "/" that is
simply fetched. Adding a page is one line, e.g.:

    Scenario("statistics", "Statistics (/statistics/)", {"/statistics/": 1}, target=0.5),

``target`` is the least share of the baseline's requests/s the scenario must reach (issue 17);
``read`` pages are also held to p99 ≤ 100 ms; ``login`` scenarios log each simulated user in once,
during the warm-up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    tasks: dict[str, int]
    target: float | None = None
    login: bool = False
    read: bool = True


SCENARIOS: list[Scenario] = [
    Scenario("baseline", "Baseline: bare view, 1 indexed query, small template", {"baseline": 1}, read=False),
    Scenario("home", "Home page (/)", {"home": 1}, target=1.0),
    Scenario("search", "Catalogue search, typical queries with and without diacritics", {"search": 1}, target=1.0),
    Scenario("detail", "Procedure detail (/procedures/<code>/)", {"detail": 1}, target=1.0),
    Scenario("agencies", "Agencies (/agencies/)", {"agencies": 1}, target=1.0),
    Scenario("lookup", "Dossier lookup (POST /lookup/, captcha test mode)", {"lookup": 1}, target=0.4),
    Scenario("my_dossiers", "My dossiers (/dossiers/, logged in)", {"my_dossiers": 1}, target=0.45, login=True),
    Scenario(
        "mixed",
        "Mixed: 70 % browse/search, 15 % lookup, 10 % logged-in pages, 5 % dossier sends (2 × 1 MB)",
        {
            # 70 % browse and search
            "home": 15,
            "search": 30,
            "detail": 20,
            "agencies": 5,
            # 15 % lookup
            "lookup": 15,
            # 10 % logged-in pages
            "my_dossiers": 6,
            "dossier_detail": 4,
            # 5 % dossier sends through the wizard (4 requests each, two 1 MB files)
            "send": 5,
        },
        target=0.25,
        login=True,
        read=False,
    ),
]

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
