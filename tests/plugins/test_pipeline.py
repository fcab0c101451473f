"""Plugin discovery and isolation: custom directories, failing plugins, import errors in /health, the docs example."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from app.services.pipeline import current_pipeline

ROOT = Path(__file__).resolve().parents[2]
BASE = "/api/v1/events"
LATE = {"title": "Evening review", "start_time": "2030-05-08T20:00:00Z", "end_time": "2030-05-08T21:00:00Z"}


def write_plugin(directory: Path, name: str, source: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")


def app_with(make_app, directory: Path, enabled: list[str]):
    return make_app({"plugins": {"custom_directory": str(directory), "enabled": enabled}})


BOOM = """
    from app.plugins import EventData

    class Boom:
        name = "boom"

        def process(self, event: EventData, context) -> EventData:
            raise RuntimeError("exploded on purpose")

    plugin = Boom()
"""


def test_a_plugin_that_raises_is_recorded_and_the_event_still_stored(make_app, auth, tmp_path):
    directory = tmp_path / "custom"
    write_plugin(directory, "boom", BOOM)
    client = app_with(make_app, directory, ["command_handler", "boom", "wellness"]).test_client()
    response = client.post(BASE, json=LATE, headers=auth)
    assert response.status_code == 201
    event = response.json
    assert event["problems"] == [{"plugin": "boom", "message": "RuntimeError: exploded on purpose"}]
    assert "late_work" in event["tags"]  # the plugin after the failing one still ran
    assert client.get(f"{BASE}/{event['id']}", headers=auth).json["problems"] == event["problems"]


def test_a_plugin_that_fails_to_import_is_reported_and_the_app_starts(make_app, auth, tmp_path):
    directory = tmp_path / "custom"
    write_plugin(directory, "broken", "import module_that_does_not_exist\n")
    write_plugin(directory, "syntax", "def (:\n")
    app = app_with(make_app, directory, ["command_handler", "broken", "analytics", "wellness", "missing"])
    client = app.test_client()
    assert "details" not in client.get("/health").json  # which plugin failed and why: for the admin only
    health = client.get("/health", headers=auth).json
    errors = {error["plugin"]: error["error"] for error in health["details"]["plugins"]["load_errors"]}
    assert "ModuleNotFoundError" in errors["broken"] and "SyntaxError" in errors["syntax"]
    assert "no plugin has this name" in errors["missing"]
    with app.app_context():
        assert [plugin.name for plugin in current_pipeline().event_plugins] == [
            "command_handler",
            "analytics",
            "wellness",
        ]
    assert client.post(BASE, json=LATE, headers=auth).status_code == 201


def test_enabled_selects_and_orders_plugins(make_app, auth, tmp_path):
    directory = tmp_path / "custom"
    write_plugin(
        directory,
        "pair",
        """
        from app.plugins import EventData

        class Append:
            def __init__(self, name):
                self.name = name

            def process(self, event: EventData, context) -> EventData:
                return event.copy(title=event.title + "+" + self.name)

        PLUGINS = [Append("first"), Append("second"), Append("unused")]
    """,
    )
    client = app_with(make_app, directory, ["second", "first"]).test_client()
    assert client.post(BASE, json=LATE, headers=auth).json["title"] == "Evening review+second+first"
    plain = app_with(make_app, directory, []).test_client()
    event = plain.post(BASE, json=LATE, headers=auth).json
    assert event["title"] == "Evening review" and event["tags"] == []


def test_a_plugin_returning_nonsense_is_recorded(make_app, auth, tmp_path):
    directory = tmp_path / "custom"
    write_plugin(
        directory,
        "odd",
        """
        class Odd:
            name = "odd"

            def process(self, event, context):
                return "not an event"

        plugin = Odd()
    """,
    )
    event = app_with(make_app, directory, ["odd"]).test_client().post(BASE, json=LATE, headers=auth).json
    assert event["problems"] == [{"plugin": "odd", "message": "returned str, not an event"}]


def test_a_failing_after_store_hook_is_recorded_on_the_stored_event(make_app, auth, tmp_path):
    directory = tmp_path / "custom"
    write_plugin(
        directory,
        "late_boom",
        """
        class LateBoom:
            name = "late_boom"

            def process(self, event, context):
                return event

            def event_metrics(self, event, context):
                return {  # kept for storing, then undone
                    "duration_minutes": 1, "category": "x", "is_focus": False, "is_meeting": False,
                    "time_of_day": "night"}

            def after_store(self, event, context):
                raise ValueError(f"no luck with {event.id}")

        plugin = LateBoom()
    """,
    )
    app = app_with(make_app, directory, ["late_boom"])
    client = app.test_client()
    event = client.post(BASE, json=LATE, headers=auth).json
    stored = client.get(f"{BASE}/{event['id']}", headers=auth).json
    assert stored["problems"] == [{"plugin": "late_boom", "message": f"ValueError: no luck with {event['id']}"}]
    with app.app_context():
        from app.models import EventAnalytics

        assert EventAnalytics.query.count() == 0


def docs_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- example-plugin -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert match, "README.md lost its example plugin"
    return match.group(1)


def test_the_documented_example_plugin_works_from_a_custom_directory(make_app, auth, tmp_path):
    directory = tmp_path / "my_plugins"
    write_plugin(directory, "shout", docs_example())
    app = app_with(make_app, directory, ["command_handler", "shout", "analytics", "wellness"])
    client = app.test_client()
    event = client.post(
        BASE, json={"title": "!! Call the bank", "start_time": "2030-05-08T10:00:00Z"}, headers=auth
    ).json
    assert event["title"] == "Call the bank" and event["priority"] == "URGENT" and event["tags"] == ["shouted"]
    assert client.get("/health").json.get("details", {}).get("plugins") is None


def test_scheduling_plugins_are_asked_and_a_failing_one_is_skipped(make_app, tmp_path):
    from datetime import UTC, datetime, timedelta

    from app.plugins import EventData
    from app.services.plugin_suggestions import plugin_findings

    directory = tmp_path / "custom"
    write_plugin(
        directory,
        "planner",
        """
        from app.plugins import Suggestion

        class Breaks:
            name = "breaks"

            def suggest(self, events, window_start, window_end, context):
                return [Suggestion(type="break", reason=f"{len(events)} events", confidence=0.5)]

        class Broken:
            name = "broken_planner"

            def suggest(self, events, window_start, window_end, context):
                raise KeyError("nope")

        PLUGINS = [Breaks, Broken]
    """,
    )
    app = app_with(make_app, directory, ["breaks", "broken_planner"])
    start = datetime(2030, 5, 10, 9, tzinfo=UTC)
    events = [EventData(title="a", start_time=start, end_time=start + timedelta(hours=1))]
    with app.app_context():
        findings = plugin_findings(events, start, start + timedelta(days=1))
    assert [(item.suggestion.type, item.suggestion.reason) for item in findings] == [("break", "1 events")]
    assert [item.key for item in findings] == ["plugin:breaks:break::"]


PICKY = """
    from app.plugins import Consumed

    class Picky:
        name = "picky"

        def process(self, event, context):
            command_id = context.create_command(event, "hub", "PING", [event.title])  # written first ...
            if "bad" in event.title:
                raise RuntimeError("changed my mind")  # ... then undone for this event only
            return Consumed(plugin=self.name, kind="command", id=command_id)

        def event_metrics(self, event, context):
            if "bad" in event.title:
                raise RuntimeError("no metrics for you")
            return {"duration_minutes": 1, "category": "picked", "is_focus": True, "is_meeting": False,
                    "time_of_day": "night"}

    plugin = Picky()
"""


def test_a_batch_undoes_only_the_failing_events_writes(make_app, tmp_path):
    from datetime import UTC, datetime, timedelta

    from app.extensions import db
    from app.models import Command
    from app.plugins import EventData
    from app.services.pipeline import run_pipeline_batch

    directory = tmp_path / "custom"
    write_plugin(directory, "picky", PICKY)
    app = app_with(make_app, directory, ["picky"])
    start = datetime(2030, 5, 10, 9, tzinfo=UTC)
    events = [
        EventData(
            title=title,
            start_time=start,
            end_time=start + timedelta(hours=1),
            calendar_id="work",
            source="google",
            external_id=title,
        )
        for title in ("one", "bad two", "three")
    ]
    with app.app_context():
        outcomes = run_pipeline_batch(events)
        assert [outcome.consumed is not None for outcome in outcomes] == [True, False, True]
        assert outcomes[1].event.problems == [{"plugin": "picky", "message": "RuntimeError: changed my mind"}]
        assert sorted(command.source_key for command in db.session.query(Command)) == ["work:one", "work:three"]


def test_after_store_batch_keeps_the_metrics_of_events_whose_hook_succeeded(make_app, tmp_path):
    from app.extensions import db
    from app.models import Event, EventAnalytics
    from app.services.pipeline import after_store_batch, event_data_from_model

    directory = tmp_path / "custom"
    write_plugin(directory, "picky", PICKY)
    app = app_with(make_app, directory, ["analytics", "picky"])
    with app.app_context():
        ids = [Event(title=title, start_time=datetime_at(9), end_time=datetime_at(10)) for title in ("a", "bad b")]
        db.session.add_all(ids)
        db.session.commit()
        after_store_batch([event_data_from_model(event) for event in ids])
        good, bad = (db.session.get(EventAnalytics, event.id) for event in ids)
        # picky runs after analytics and replaces its row, but only where picky's hook succeeded.
        assert (good.category, good.duration_minutes, good.time_of_day) == ("picked", 1, "night")
        assert (bad.category, bad.duration_minutes, bad.time_of_day) == ("other", 60, "morning")
        assert db.session.get(Event, ids[1].id).problems == [
            {"plugin": "picky", "message": "RuntimeError: no metrics for you"}
        ]


@pytest.mark.parametrize(
    ("metrics", "complaint"),
    [
        ({"category": "x"}, "missing"),
        (
            {"duration_minutes": "long", "category": "x", "is_focus": False, "is_meeting": False, "time_of_day": "x"},
            "duration_minutes",
        ),
        (
            {"duration_minutes": 5, "category": "", "is_focus": False, "is_meeting": False, "time_of_day": "x"},
            "category",
        ),
        ({"duration_minutes": 5, "category": "x", "is_focus": 1, "is_meeting": False, "time_of_day": "x"}, "is_focus"),
    ],
)
def test_metrics_are_checked_before_they_wait_for_the_batch(metrics, complaint):
    from app.services.plugin_context import checked_metrics

    with pytest.raises(ValueError, match=complaint):
        checked_metrics(metrics)


def datetime_at(hour: int):
    from datetime import UTC, datetime

    return datetime(2030, 5, 10, hour, tzinfo=UTC)
