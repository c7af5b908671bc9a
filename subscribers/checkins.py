"""Check-ins during a storm: "safe / need help / not sure" rounds, help requests and the triage counts.

A round asks the active leaders of some cities (a snapshot: `checkin_recipients`). Every answer is kept;
the latest one counts. "Need help" opens a help request at once (details are filled in as the leader
sends them), so a leader who goes silent after the button is still on the coordinators' list. Taking
and finishing a request are compare-and-set writes: of two admins pressing at once, one wins.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.leaders import active_leaders
from subscribers.notices import ALL_CITIES
from subscribers.timeutil import from_db, to_db

# Rounds older than this are over even if nobody closed them (an admin's /checkin has no warning to end
# it): the triage stops refreshing them and late joiners are not asked.
ROUND_WINDOW = timedelta(days=2)
# One line of need: enough for "bedridden grandmother, water at the first floor".
MAX_NEED = 200
MAX_PEOPLE = 999


class Answer(StrEnum):
    SAFE = "safe"
    NEED_HELP = "need_help"
    UNSURE = "unsure"


class HelpStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    DONE = "done"
    # The leader answered "safe" before anyone took the request.
    WITHDRAWN = "withdrawn"


class Step(StrEnum):
    """The need-help step a leader is at; each detail given moves to the next, the need ends the steps."""

    LOCATION = "location"
    PEOPLE = "people"
    NEED = "need"


class LocationSource(StrEnum):
    PIN = "pin"
    AREA = "area"


class CheckinError(Exception):
    """A check-in write that cannot be done (unknown round, not asked, bad detail)."""


class CheckinRound(BaseModel):
    id: int
    warning_id: int | None = None
    cities: list[str]
    started_by: str
    started_at: datetime
    unknown_after: datetime
    drill: bool = False
    closed_at: datetime | None = None


class Recipient(BaseModel):
    chat_id: int
    city_id: str
    name: str = ""


class CheckinAnswer(BaseModel):
    id: int
    round_id: int
    chat_id: int
    answer: Answer
    answered_at: datetime


class HelpRequest(BaseModel):
    id: int
    round_id: int
    chat_id: int
    city_id: str
    leader_name: str = ""
    lat: float | None = None
    lon: float | None = None
    location_source: LocationSource | None = None
    people: int | None = None
    need: str | None = None
    status: HelpStatus
    taken_by: str | None = None
    taken_at: datetime | None = None
    done_by: str | None = None
    done_at: datetime | None = None
    admin_message_id: int | None = None
    step: Step | None = None
    created_at: datetime
    updated_at: datetime


class AnswerResult(BaseModel):
    """What one answer changed: the request it opened or kept, and the requests it withdrew."""

    answer: CheckinAnswer
    previous: Answer | None = None
    help_request: HelpRequest | None = None
    withdrawn: list[int] = []


class CasResult(BaseModel):
    """A take/finish press: `won` is False when another admin (or an earlier press) got there first."""

    won: bool
    request: HelpRequest


class CityTriage(BaseModel):
    """One city's counts in a round; `waiting` have not answered yet, `unknown` are past the wait."""

    city_id: str
    asked: int
    safe: int
    need_help: int
    unsure: int
    waiting: int
    unknown: list[int]


def _round(row: dict[str, Any]) -> CheckinRound:
    return CheckinRound(
        id=row["id"],
        warning_id=row["warning_id"],
        cities=json.loads(row["cities"]),
        started_by=row["started_by"] or "",
        started_at=from_db(row["started_at"]),
        unknown_after=from_db(row["unknown_after"]),
        drill=bool(row["drill"]),
        closed_at=from_db(row["closed_at"]),
    )


def start_round(
    db: Database,
    city_ids: list[str],
    now: datetime,
    wait: timedelta,
    started_by: str,
    warning_id: int | None = None,
    drill: bool = False,
) -> CheckinRound:
    """Open a round for the active leaders of these cities; silent ones count as unknown after `wait`."""
    with db.atomic():
        rounds = db.table("checkin_rounds")
        rounds.insert(
            {
                "warning_id": warning_id,
                "cities": json.dumps(sorted(city_ids)),
                "started_by": started_by,
                "started_at": to_db(now),
                "unknown_after": to_db(now + wait),
                "drill": int(drill),
            }
        )
        round_id = cast(int, rounds.last_pk)
        db.table("checkin_recipients").insert_all(
            [{"round_id": round_id, "chat_id": x.chat_id, "city_id": x.city_id} for x in active_leaders(db, city_ids)],
            ignore=True,
        )
    found = get_round(db, round_id)
    assert found is not None
    return found


def get_round(db: Database, round_id: int) -> CheckinRound | None:
    """One round by id."""
    row = next(iter(db.query("select * from checkin_rounds where id = ?", [round_id])), None)
    return _round(row) if row else None


def close_round(db: Database, round_id: int, now: datetime) -> None:
    """End a round (the event is over): answers after this are refused."""
    db.execute("update checkin_rounds set closed_at = ? where id = ? and closed_at is null", [to_db(now), round_id])


def recipients(db: Database, round_id: int) -> list[Recipient]:
    """Who was asked in this round, by city then chat id."""
    sql = (
        "select r.chat_id, r.city_id, l.name from checkin_recipients r join leaders l on l.chat_id = r.chat_id"
        " where r.round_id = ? order by r.city_id, r.chat_id"
    )
    rows = db.query(sql, [round_id])
    return [Recipient(chat_id=r["chat_id"], city_id=r["city_id"], name=r["name"] or "") for r in rows]


def _recipient_city(db: Database, round_id: int, chat_id: int) -> str | None:
    row = next(
        iter(
            db.query("select city_id from checkin_recipients where round_id = ? and chat_id = ?", [round_id, chat_id])
        ),
        None,
    )
    return row["city_id"] if row else None


def record_answer(db: Database, round_id: int, chat_id: int, answer: Answer, now: datetime) -> AnswerResult:
    """Keep one more answer; "need help" opens (or keeps) a request, "safe" withdraws one nobody took yet."""
    found = get_round(db, round_id)
    if found is None:
        raise CheckinError(f"no check-in round {round_id}")
    if found.closed_at is not None:
        raise CheckinError(f"check-in round {round_id} is closed")
    city_id = _recipient_city(db, round_id, chat_id)
    if city_id is None:
        raise CheckinError(f"chat {chat_id} was not asked in round {round_id}")
    with db.atomic():
        previous = latest_answer(db, round_id, chat_id)
        answers = db.table("checkin_answers")
        answers.insert({"round_id": round_id, "chat_id": chat_id, "answer": str(answer), "answered_at": to_db(now)})
        stored = CheckinAnswer(id=answers.last_pk, round_id=round_id, chat_id=chat_id, answer=answer, answered_at=now)
        current = request_for(db, round_id, chat_id)
        withdrawn: list[int] = []
        # A request already helped (done) does not cover a new need: asking again opens a new one.
        if answer == Answer.NEED_HELP and (current is None or current.status == HelpStatus.DONE):
            requests = db.table("help_requests")
            requests.insert(
                {
                    "round_id": round_id,
                    "chat_id": chat_id,
                    "city_id": city_id,
                    "status": str(HelpStatus.OPEN),
                    "created_at": to_db(now),
                    "updated_at": to_db(now),
                }
            )
            current = get_request(db, cast(int, requests.last_pk))
        if answer == Answer.NEED_HELP and current is not None and current.status in (HelpStatus.OPEN, HelpStatus.TAKEN):
            # The steps (re)start at the location, as the chat asks for it.
            db.execute(
                "update help_requests set step = ?, updated_at = ? where id = ?",
                [str(Step.LOCATION), to_db(now), current.id],
            )
        elif answer != Answer.NEED_HELP:
            db.execute("update help_requests set step = null where round_id = ? and chat_id = ?", [round_id, chat_id])
        if answer == Answer.SAFE and current is not None and current.status == HelpStatus.OPEN:
            # A request someone already took stays with them: they may be on the way and should be told.
            db.execute(
                "update help_requests set status = ?, updated_at = ? where id = ? and status = ?",
                [str(HelpStatus.WITHDRAWN), to_db(now), current.id, str(HelpStatus.OPEN)],
            )
            withdrawn.append(current.id)
        if current is not None:
            current = get_request(db, current.id)
    return AnswerResult(
        answer=stored,
        previous=previous.answer if previous else None,
        help_request=current,
        withdrawn=withdrawn,
    )


def latest_answer(db: Database, round_id: int, chat_id: int) -> CheckinAnswer | None:
    """This leader's answer that counts (the latest), or None."""
    history = answer_history(db, round_id, chat_id)
    return history[-1] if history else None


def answer_history(db: Database, round_id: int, chat_id: int) -> list[CheckinAnswer]:
    """Every answer of this leader in this round, oldest first."""
    sql = "select * from checkin_answers where round_id = ? and chat_id = ? order by id"
    return [
        CheckinAnswer(
            id=r["id"], round_id=r["round_id"], chat_id=r["chat_id"], answer=r["answer"],
            answered_at=from_db(r["answered_at"]),
        )
        for r in db.query(sql, [round_id, chat_id])
    ]


def triage(db: Database, round_id: int, now: datetime) -> list[CityTriage]:
    """Per city of the round: asked, safe, need help, not sure, waiting, and the unknown chat ids."""
    found = get_round(db, round_id)
    if found is None:
        raise CheckinError(f"no check-in round {round_id}")
    past_wait = now >= found.unknown_after
    sql = """
    select r.city_id, r.chat_id,
      (select a.answer from checkin_answers a where a.round_id = r.round_id and a.chat_id = r.chat_id
       order by a.id desc limit 1) as answer
    from checkin_recipients r where r.round_id = ? order by r.city_id, r.chat_id
    """
    cities = {
        city_id: CityTriage(city_id=city_id, asked=0, safe=0, need_help=0, unsure=0, waiting=0, unknown=[])
        for city_id in found.cities
    }
    for row in db.query(sql, [round_id]):
        city = cities.setdefault(
            row["city_id"],
            CityTriage(city_id=row["city_id"], asked=0, safe=0, need_help=0, unsure=0, waiting=0, unknown=[]),
        )
        city.asked += 1
        if row["answer"] is None:
            if past_wait:
                city.unknown.append(row["chat_id"])
            else:
                city.waiting += 1
        else:
            field = str(Answer(row["answer"]))
            setattr(city, field, getattr(city, field) + 1)
    return [cities[c] for c in sorted(cities)]


_REQUEST_SQL = (
    "select h.*, l.name as leader_name from help_requests h join leaders l on l.chat_id = h.chat_id"
)


def _request(row: dict[str, Any]) -> HelpRequest:
    return HelpRequest(
        id=row["id"],
        round_id=row["round_id"],
        chat_id=row["chat_id"],
        city_id=row["city_id"],
        leader_name=row["leader_name"] or "",
        lat=row["lat"],
        lon=row["lon"],
        location_source=row["location_source"],
        people=row["people"],
        need=row["need"],
        status=row["status"],
        taken_by=row["taken_by"],
        taken_at=from_db(row["taken_at"]),
        done_by=row["done_by"],
        done_at=from_db(row["done_at"]),
        admin_message_id=row["admin_message_id"],
        step=row.get("step"),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def get_request(db: Database, request_id: int) -> HelpRequest | None:
    """One help request by number."""
    row = next(iter(db.query(f"{_REQUEST_SQL} where h.id = ?", [request_id])), None)
    return _request(row) if row else None


def request_for(db: Database, round_id: int, chat_id: int) -> HelpRequest | None:
    """This leader's request in this round that is not withdrawn (open, taken or done), newest first."""
    row = next(
        iter(
            db.query(
                f"{_REQUEST_SQL} where h.round_id = ? and h.chat_id = ? and h.status != ? order by h.id desc limit 1",
                [round_id, chat_id, str(HelpStatus.WITHDRAWN)],
            )
        ),
        None,
    )
    return _request(row) if row else None


def help_requests(
    db: Database, city_id: str | None = None, statuses: tuple[HelpStatus, ...] = (HelpStatus.OPEN, HelpStatus.TAKEN)
) -> list[HelpRequest]:
    """Requests in these statuses (default: not yet done), of one city or all, oldest first."""
    marks = ", ".join("?" for _ in statuses)
    sql = f"{_REQUEST_SQL} where h.status in ({marks})"
    params: list[str] = [str(s) for s in statuses]
    if city_id is not None:
        sql += " and h.city_id = ?"
        params.append(city_id)
    return [_request(r) for r in db.query(sql + " order by h.created_at, h.id", params)]


def _update(db: Database, request_id: int, now: datetime, fields: dict[str, Any]) -> HelpRequest:
    found = get_request(db, request_id)
    if found is None:
        raise CheckinError(f"no help request {request_id}")
    db.table("help_requests").update(request_id, {**fields, "updated_at": to_db(now)})
    updated = get_request(db, request_id)
    assert updated is not None
    return updated


def set_location(db: Database, request_id: int, lat: float, lon: float, now: datetime) -> HelpRequest:
    """The leader sent a location pin (the steps move on to the people)."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CheckinError(f"location {lat}, {lon} is not on Earth")
    fields = {"lat": lat, "lon": lon, "location_source": str(LocationSource.PIN), "step": str(Step.PEOPLE)}
    return _update(db, request_id, now, fields)


def use_registered_area(db: Database, request_id: int, now: datetime) -> HelpRequest:
    """The leader skipped the pin: the request points at their registered area (steps move on to the people)."""
    fields = {"lat": None, "lon": None, "location_source": str(LocationSource.AREA), "step": str(Step.PEOPLE)}
    return _update(db, request_id, now, fields)


def set_people(db: Database, request_id: int, people: int, now: datetime) -> HelpRequest:
    """How many people need help (1 to MAX_PEOPLE); the steps move on to the need."""
    if not 1 <= people <= MAX_PEOPLE:
        raise CheckinError(f"people must be 1 to {MAX_PEOPLE}, not {people}")
    return _update(db, request_id, now, {"people": people, "step": str(Step.NEED)})


def set_need(db: Database, request_id: int, need: str, now: datetime) -> HelpRequest:
    """One line of what is needed (stripped, one line, at most MAX_NEED characters); the steps end."""
    line = " ".join(need.split())
    if not line:
        raise CheckinError("the need is empty")
    if len(line) > MAX_NEED:
        raise CheckinError(f"the need has {len(line)} characters; at most {MAX_NEED}")
    return _update(db, request_id, now, {"need": line, "step": None})


def set_admin_message(db: Database, request_id: int, message_id: int) -> None:
    """Remember the admin chat's card for this request, so it is edited in place."""
    db.execute("update help_requests set admin_message_id = ? where id = ?", [message_id, request_id])


def take(db: Database, request_id: int, by: str, now: datetime) -> CasResult:
    """Mark an open request taken by `by`; only the first of several presses wins."""
    changed = db.execute(
        "update help_requests set status = ?, taken_by = ?, taken_at = ?, updated_at = ? where id = ? and status = ?",
        [str(HelpStatus.TAKEN), by, to_db(now), to_db(now), request_id, str(HelpStatus.OPEN)],
    ).rowcount
    return _cas(db, request_id, changed)


def finish(db: Database, request_id: int, by: str, now: datetime) -> CasResult:
    """Mark an open or taken request done; a request already done (or withdrawn) is left as it is."""
    changed = db.execute(
        "update help_requests set status = ?, done_by = ?, done_at = ?, updated_at = ?,"
        " taken_by = coalesce(taken_by, ?), taken_at = coalesce(taken_at, ?) where id = ? and status in (?, ?)",
        [str(HelpStatus.DONE), by, to_db(now), to_db(now), by, to_db(now), request_id,
         str(HelpStatus.OPEN), str(HelpStatus.TAKEN)],
    ).rowcount
    return _cas(db, request_id, changed)


def _cas(db: Database, request_id: int, changed: int) -> CasResult:
    found = get_request(db, request_id)
    if found is None:
        raise CheckinError(f"no help request {request_id}")
    return CasResult(won=changed == 1, request=found)


def latest_request_of(db: Database, chat_id: int) -> HelpRequest | None:
    """This leader's newest request that is still open or taken (the one the need-help steps fill in)."""
    row = next(
        iter(
            db.query(
                f"{_REQUEST_SQL} where h.chat_id = ? and h.status in (?, ?) order by h.id desc limit 1",
                [chat_id, str(HelpStatus.OPEN), str(HelpStatus.TAKEN)],
            )
        ),
        None,
    )
    return _request(row) if row else None


def request_in_steps(db: Database, chat_id: int, since: datetime) -> HelpRequest | None:
    """The leader's open or taken request whose steps are under way and moved since `since`, or None."""
    row = next(
        iter(
            db.query(
                f"{_REQUEST_SQL} where h.chat_id = ? and h.status in (?, ?) and h.step is not null"
                " and h.updated_at >= ? order by h.id desc limit 1",
                [chat_id, str(HelpStatus.OPEN), str(HelpStatus.TAKEN), to_db(since)],
            )
        ),
        None,
    )
    return _request(row) if row else None


def end_steps(db: Database, request_id: int) -> None:
    """The leader stopped the steps (/cancel): the request stays as it is, nothing more is asked."""
    db.execute("update help_requests set step = null where id = ?", [request_id])


def rounds_open_for(db: Database, city_id: str, since: datetime) -> list[CheckinRound]:
    """Rounds not closed, started at or after `since`, that ask this city: it is one of the round's cities,
    or its warning covers the city (a city where nobody was registered when the round started)."""
    sql = """
    select c.* from checkin_rounds c left join warnings w on w.id = c.warning_id
    where c.closed_at is null and c.started_at >= ?
      and (exists (select 1 from json_each(c.cities) where value = ?)
           or exists (select 1 from json_each(coalesce(w.cities, '[]')) where value in (?, ?)))
    order by c.id
    """
    return [_round(r) for r in db.query(sql, [to_db(since), city_id, city_id, ALL_CITIES])]


def add_recipient(db: Database, round_id: int, chat_id: int, city_id: str) -> bool:
    """Ask one more leader in an open round (a late joiner); False when they were asked already."""
    cursor = db.execute(
        "insert or ignore into checkin_recipients (round_id, chat_id, city_id) values (?, ?, ?)",
        [round_id, chat_id, city_id],
    )
    return cursor.rowcount == 1


def open_rounds(db: Database, since: datetime) -> list[CheckinRound]:
    """Rounds not closed and started at or after `since`, oldest first (the triage job's work)."""
    sql = "select * from checkin_rounds where closed_at is null and started_at >= ? order by id"
    return [_round(r) for r in db.query(sql, [to_db(since)])]


class Summary(BaseModel):
    """The admin chat's live triage message of one city in one round."""

    round_id: int
    city_id: str
    message_id: int
    body: str
    updated_at: datetime


def get_summary(db: Database, round_id: int, city_id: str) -> Summary | None:
    """The triage message posted for this (round, city), if any."""
    row = next(
        iter(db.query("select * from checkin_summaries where round_id = ? and city_id = ?", [round_id, city_id])), None
    )
    if row is None:
        return None
    return Summary(
        round_id=row["round_id"], city_id=row["city_id"], message_id=row["message_id"], body=row["body"],
        updated_at=from_db(row["updated_at"]),
    )


def save_summary(db: Database, round_id: int, city_id: str, message_id: int, body: str, now: datetime) -> None:
    """Remember what the triage message shows now, so it is edited only when its counts change."""
    db.table("checkin_summaries").upsert(
        {"round_id": round_id, "city_id": city_id, "message_id": message_id, "body": body, "updated_at": to_db(now)},
        pk=("round_id", "city_id"),
    )


def checkin_rows(db: Database) -> list[dict[str, Any]]:
    """The whole record, one row per leader asked per round: the latest answer, every answer, the help request."""
    sql = """
    select r.round_id, c.warning_id, c.started_at as round_started_at, c.drill, r.city_id, r.chat_id,
      l.name as leader_name,
      (select group_concat(a.answer || '@' || a.answered_at, '; ') from
         (select answer, answered_at from checkin_answers where round_id = r.round_id and chat_id = r.chat_id
          order by id) a) as answers,
      (select a.answer from checkin_answers a where a.round_id = r.round_id and a.chat_id = r.chat_id
       order by a.id desc limit 1) as answer,
      (select a.answered_at from checkin_answers a where a.round_id = r.round_id and a.chat_id = r.chat_id
       order by a.id desc limit 1) as answered_at,
      h.id as help_request_id, h.status as help_status, h.lat, h.lon, h.location_source, h.people, h.need,
      h.taken_by, h.taken_at, h.done_by, h.done_at
    from checkin_recipients r
      join checkin_rounds c on c.id = r.round_id
      join leaders l on l.chat_id = r.chat_id
      left join help_requests h on h.id = (select max(id) from help_requests x
                                          where x.round_id = r.round_id and x.chat_id = r.chat_id)
    order by r.round_id, r.city_id, r.chat_id
    """
    return list(db.query(sql))
