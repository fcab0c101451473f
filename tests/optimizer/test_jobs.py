"""The daemon's planning jobs: registered only when enabled, correct moves, idempotent across runs."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, PlanningAction
from app.services import planning_jobs
from daemon.jobs import default_jobs
from tests.optimizer.scenario import add, at, times


def job_names(settings) -> set[str]:
    return {name for _every, _func, name in default_jobs(settings)}


def test_jobs_are_registered_only_when_enabled(make_app):
    off = make_app().config["CHRONOS_SETTINGS"]
    assert not {"planning_timeboxing", "planning_replanning"} & job_names(off)
    on = make_app({"planning": {"timeboxing_enabled": True, "replanning_enabled": True}}).config["CHRONOS_SETTINGS"]
    assert {"planning_timeboxing", "planning_replanning"} <= job_names(on)


def test_timeboxing_places_unscheduled_tasks_once(planning_app):
    add("Standup", 0, "09:00", "09:30", event_type="meeting")
    estimate = add("Write docs", 6, "00:00", "01:30", tags=["unscheduled", "docs"])  # 90-min estimate
    now = at(0, "08:00")
    assert planning_jobs.run_timeboxing(now) == 1
    assert times(estimate) == (at(0, "09:30"), at(0, "11:00"))
    event = db.session.get(Event, estimate)
    assert event.tags == ["docs", "timeboxed"]
    assert planning_jobs.run_timeboxing(now) == 0  # idempotent: nothing is unscheduled any more
    assert times(estimate) == (at(0, "09:30"), at(0, "11:00"))
    assert db.session.scalar(select(func.count()).select_from(PlanningAction)) == 1


def test_timeboxing_leaves_pinned_tasks_and_meetings_alone(planning_app):
    pinned = add("Pinned idea", 6, "00:00", "01:00", tags=["unscheduled", "pinned"])
    meeting = add("Unplanned meeting", 6, "00:00", "01:00", tags=["unscheduled"], event_type="meeting")
    assert planning_jobs.run_timeboxing(at(0, "08:00")) == 0
    assert times(pinned)[0] == at(6, "00:00") and times(meeting)[0] == at(6, "00:00")


def test_replanning_moves_overdue_open_tasks_to_the_next_free_slot(planning_app):
    overdue = add("Overdue", 0, "09:00", "10:00")
    done = add("Done", 0, "09:00", "10:00", status="completed")
    missed_meeting = add("Missed meeting", 0, "09:30", "10:00", event_type="meeting")
    add("Lunch talk", 0, "12:00", "13:00", event_type="meeting")
    now = at(0, "11:20")
    assert planning_jobs.run_replanning(now) == 1
    assert times(overdue) == (at(0, "13:00"), at(0, "14:00"))  # 11:30-12:30 would hit the lunch talk
    assert db.session.get(Event, overdue).status == "rescheduled"
    assert times(done)[0] == at(0, "09:00") and times(missed_meeting)[0] == at(0, "09:30")
    assert planning_jobs.run_replanning(now) == 0
    assert planning_jobs.run_replanning(at(0, "11:40")) == 0  # a restart a little later repeats nothing


def test_jobs_do_not_overload_a_day(planning_app):
    add("Long meetings", 0, "08:00", "16:00", event_type="meeting")
    task = add("Estimate", 6, "00:00", "01:00", tags=["unscheduled"])
    assert planning_jobs.run_timeboxing(at(0, "07:00")) == 1
    # Monday 16:00-17:00 is free, but 8 h are already scheduled: a ninth would overload the day.
    assert times(task) == (at(1, "09:00"), at(1, "10:00"))


def test_timeboxing_reads_the_tag_in_any_case_and_skips_closed_tasks(planning_app):
    upper = add("Upper", 6, "00:00", "00:30", tags=["Unscheduled"])
    closed = add("Closed", 6, "00:00", "00:30", tags=["unscheduled"], status="completed")
    assert planning_jobs.run_timeboxing(at(0, "08:00")) == 1
    assert times(upper) == (at(0, "09:00"), at(0, "09:30"))
    assert times(closed)[0] == at(6, "00:00")
