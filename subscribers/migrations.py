"""Schema migrations: one function per change, applied in order, never edited once released.

Times are stored as ISO 8601 text in UTC (`2025-02-25T10:13:00+00:00`), so they sort as text.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("floodbot")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("cities").create(
        {
            "id": str,
            "name_th": str,
            "province_code": str,
            "tambon_code": str,
            "lat": float,
            "lon": float,
            "min_severity": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name_th", "province_code", "tambon_code", "lat", "lon"},
        if_not_exists=True,
    )
    db.table("leaders").create(
        {
            "chat_id": int,
            "name": str,
            "city_id": str,
            "livelihood": str,
            "role": str,
            "active": int,
            "minor_opt_in": int,
            "joined_at": str,
            "updated_at": str,
            "inactive_reason": str,
        },
        pk="chat_id",
        not_null={"city_id", "role", "active", "joined_at"},
        defaults={"role": "leader", "active": 1, "minor_opt_in": 0, "livelihood": "other"},
        foreign_keys=[("city_id", "cities", "id")],
        if_not_exists=True,
    )
    # The fan-out query: active leaders of a set of cities.
    db.table("leaders").create_index(["city_id", "active"], if_not_exists=True)

    db.table("invites").create(
        {
            "code": str,
            "city_id": str,
            "created_at": str,
            "created_by": str,
            "expires_at": str,
            "max_uses": int,
            "uses": int,
            "revoked": int,
        },
        pk="code",
        not_null={"city_id", "created_at", "expires_at", "max_uses", "uses"},
        defaults={"uses": 0, "revoked": 0},
        foreign_keys=[("city_id", "cities", "id")],
        if_not_exists=True,
    )
    db.table("invites").create_index(["city_id", "expires_at"], if_not_exists=True)

    # One row per warning version: (feed, sender, identifier, version) is unique.
    db.table("warnings").create(
        {
            "id": int,
            "feed": str,
            "sender": str,
            "identifier": str,
            "version": str,
            "msg_type": str,
            "cap_status": str,
            "status": str,
            "event": str,
            "severity": str,
            "sent": str,
            "expires": str,
            "supersedes": int,
            "raw": str,
            "parsed": str,
            "cities": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        not_null={"feed", "sender", "identifier", "version", "status", "sent", "parsed", "first_seen"},
        foreign_keys=[("supersedes", "warnings", "id")],
        if_not_exists=True,
    )
    db.table("warnings").create_index(["feed", "sender", "identifier", "version"], unique=True, if_not_exists=True)
    db.table("warnings").create_index(["sender", "identifier"], if_not_exists=True)
    db.table("warnings").create_index(["status", "expires"], if_not_exists=True)

    db.table("notices").create(
        {
            "id": int,
            "kind": str,
            "text": str,
            "cities": str,
            "created_by": str,
            "created_at": str,
        },
        pk="id",
        not_null={"kind", "text", "created_at"},
        if_not_exists=True,
    )

    # One row per (warning version or notice, chat): the unique index makes enqueuing idempotent.
    db.table("outbox").create(
        {
            "id": int,
            "kind": str,
            "ref_id": int,
            "chat_id": int,
            "priority": int,
            "status": str,
            "attempts": int,
            "next_attempt_at": str,
            "reply_to_message_id": int,
            "message_id": int,
            "text": str,
            "created_at": str,
            "sent_at": str,
            "last_error": str,
        },
        pk="id",
        not_null={"kind", "ref_id", "chat_id", "priority", "status", "attempts", "created_at"},
        defaults={"status": "pending", "attempts": 0, "priority": 0},
        foreign_keys=[("chat_id", "leaders", "chat_id")],
        if_not_exists=True,
    )
    db.table("outbox").create_index(["kind", "ref_id", "chat_id"], unique=True, if_not_exists=True)
    # The worker's scan: due rows by status, priority, time.
    db.table("outbox").create_index(["status", "priority", "next_attempt_at"], if_not_exists=True)
    db.table("outbox").create_index(["chat_id"], if_not_exists=True)

    db.table("acknowledgements").create(
        {"warning_id": int, "chat_id": int, "acked_at": str},
        pk=("warning_id", "chat_id"),
        not_null={"acked_at"},
        foreign_keys=[("warning_id", "warnings", "id"), ("chat_id", "leaders", "chat_id")],
        if_not_exists=True,
    )
    db.table("acknowledgements").create_index(["chat_id"], if_not_exists=True)

    db.table("field_reports").create(
        {
            "id": int,
            "chat_id": int,
            "city_id": str,
            "warning_id": int,
            "text": str,
            "depth": str,
            "lat": float,
            "lon": float,
            "photos": str,
            "media_group_id": str,
            "created_at": str,
        },
        pk="id",
        not_null={"chat_id", "city_id", "created_at"},
        foreign_keys=[
            ("chat_id", "leaders", "chat_id"),
            ("city_id", "cities", "id"),
            ("warning_id", "warnings", "id"),
        ],
        if_not_exists=True,
    )
    db.table("field_reports").create_index(["city_id", "created_at"], if_not_exists=True)
    db.table("field_reports").create_index(["media_group_id"], if_not_exists=True)

    db.table("feed_health").create(
        {
            "feed": str,
            "last_attempt": str,
            "last_success": str,
            "last_change": str,
            "consecutive_failures": int,
            "last_error": str,
            "etag": str,
            "last_modified": str,
            "content_hash": str,
            "healthy": int,
        },
        pk="feed",
        defaults={"consecutive_failures": 0, "healthy": 1},
        if_not_exists=True,
    )

    db.table("audit_log").create(
        {"id": int, "at": str, "actor": str, "action": str, "allowed": int, "detail": str},
        pk="id",
        not_null={"at", "actor", "action", "allowed"},
        defaults={"allowed": 1},
        if_not_exists=True,
    )
    db.table("audit_log").create_index(["at"], if_not_exists=True)


@migrations()
def m002_warning_references(db: Database) -> None:
    # Which (sender, identifier) each stored version names in its CAP <references>: finds the rows
    # an Update or Cancel replaces, and a later version that arrived before the one it replaces.
    db.table("warning_references").create(
        {"warning_id": int, "sender": str, "identifier": str},
        pk=("warning_id", "sender", "identifier"),
        not_null={"sender", "identifier"},
        foreign_keys=[("warning_id", "warnings", "id")],
        if_not_exists=True,
    )
    db.table("warning_references").create_index(["sender", "identifier"], if_not_exists=True)
    # CAP index items already fetched (feed, guid, updated): a poll fetches only new or changed items.
    db.table("feed_items").create(
        {"feed": str, "guid": str, "updated": str, "link": str, "first_seen": str},
        pk=("feed", "guid"),
        not_null={"link", "first_seen"},
        if_not_exists=True,
    )


@migrations()
def m003_outbox_delivery(db: Database) -> None:
    # A cancel or all-clear also removes the buttons of the leader's earlier messages for the warning.
    db.table("outbox").add_column("clear_buttons", int, not_null_default=0)
    # When the row entered 'sending': rows left there by a crash are retried on start.
    db.table("outbox").add_column("claimed_at", str)
    # Escalations to the admin chat happen once per (warning, city), even across restarts.
    db.table("escalations").create(
        {"warning_id": int, "city_id": str, "sent_at": str, "chat_ids": str},
        pk=("warning_id", "city_id"),
        not_null={"sent_at"},
        foreign_keys=[("warning_id", "warnings", "id"), ("city_id", "cities", "id")],
        if_not_exists=True,
    )
    db.table("outbox").create_index(["chat_id", "ref_id", "status"], index_name="idx_outbox_thread", if_not_exists=True)


@migrations()
def m004_leader_chat(db: Database) -> None:
    # Wrong invite codes per chat, so the guessing limit survives a restart.
    db.table("invite_failures").create(
        {"id": int, "chat_id": int, "at": str},
        pk="id",
        not_null={"chat_id", "at"},
        if_not_exists=True,
    )
    db.table("invite_failures").create_index(["chat_id", "at"], if_not_exists=True)
    # A field report being put together (text, photos, pin), one per chat, so a restart loses none of it.
    db.table("report_drafts").create(
        {"chat_id": int, "draft": str, "started_at": str, "updated_at": str},
        pk="chat_id",
        not_null={"draft", "started_at", "updated_at"},
        if_not_exists=True,
    )


@migrations()
def m005_admin(db: Database) -> None:
    # A drill is an exercise warning (a row in `warnings`, status Exercise) sent to some cities;
    # its report is due at `report_at` and written once (`reported_at`).
    db.table("drills").create(
        {
            "id": int,
            "warning_id": int,
            "cities": str,
            "created_by": str,
            "started_at": str,
            "report_at": str,
            "reported_at": str,
        },
        pk="id",
        not_null={"warning_id", "cities", "started_at", "report_at"},
        foreign_keys=[("warning_id", "warnings", "id")],
        if_not_exists=True,
    )
    db.table("drills").create_index(["reported_at", "report_at"], if_not_exists=True)
    # Kept for the evaluation team: one row per leader the drill was sent to.
    db.table("drill_results").create(
        {
            "drill_id": int,
            "chat_id": int,
            "city_id": str,
            "name": str,
            "sent_at": str,
            "acked_at": str,
            "seconds_to_ack": float,
        },
        pk=("drill_id", "chat_id"),
        not_null={"city_id"},
        foreign_keys=[("drill_id", "drills", "id")],
        if_not_exists=True,
    )
    # The last feed state told to the admin chat, so each change is pushed once.
    db.table("feed_health_notified").create(
        {"feed": str, "state": str, "notified_at": str},
        pk="feed",
        not_null={"state", "notified_at"},
        if_not_exists=True,
    )
    # Recurring notices already fired (name, scheduled time): a restart never repeats one.
    db.table("notice_runs").create(
        {"name": str, "fire_at": str, "notice_id": int, "ran_at": str},
        pk=("name", "fire_at"),
        not_null={"ran_at"},
        if_not_exists=True,
    )


@migrations()
def m006_checkins_surveys(db: Database) -> None:
    # A check-in round: after a Severe/Extreme warning or an admin's /checkin, the leaders of some cities
    # are asked "safe / need help / not sure"; those silent past `unknown_after` count as unknown.
    db.table("checkin_rounds").create(
        {
            "id": int,
            "warning_id": int,
            "cities": str,
            "started_by": str,
            "started_at": str,
            "unknown_after": str,
            "drill": int,
            "closed_at": str,
        },
        pk="id",
        not_null={"cities", "started_at", "unknown_after", "drill"},
        defaults={"drill": 0},
        foreign_keys=[("warning_id", "warnings", "id")],
        if_not_exists=True,
    )
    # Who was asked (their city then): the denominator of the triage counts, even if a leader moves later.
    db.table("checkin_recipients").create(
        {"round_id": int, "chat_id": int, "city_id": str},
        pk=("round_id", "chat_id"),
        not_null={"city_id"},
        foreign_keys=[("round_id", "checkin_rounds", "id"), ("chat_id", "leaders", "chat_id")],
        if_not_exists=True,
    )
    # Every answer is kept (a leader may change it while the event lasts); the latest id wins.
    db.table("checkin_answers").create(
        {"id": int, "round_id": int, "chat_id": int, "answer": str, "answered_at": str},
        pk="id",
        not_null={"round_id", "chat_id", "answer", "answered_at"},
        foreign_keys=[("round_id", "checkin_rounds", "id"), ("chat_id", "leaders", "chat_id")],
        if_not_exists=True,
    )
    db.table("checkin_answers").create_index(["round_id", "chat_id", "id"], if_not_exists=True)
    # A help request: open as soon as the leader presses "need help", its details filled in as they come.
    db.table("help_requests").create(
        {
            "id": int,
            "round_id": int,
            "chat_id": int,
            "city_id": str,
            "lat": float,
            "lon": float,
            "location_source": str,
            "people": int,
            "need": str,
            "status": str,
            "taken_by": str,
            "taken_at": str,
            "done_by": str,
            "done_at": str,
            "admin_message_id": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"round_id", "chat_id", "city_id", "status", "created_at", "updated_at"},
        defaults={"status": "open"},
        foreign_keys=[
            ("round_id", "checkin_rounds", "id"),
            ("chat_id", "leaders", "chat_id"),
            ("city_id", "cities", "id"),
        ],
        if_not_exists=True,
    )
    # The live triage message per (round, city) in the admin chat, edited in place when its counts change.
    db.table("checkin_summaries").create(
        {"round_id": int, "city_id": str, "message_id": int, "body": str, "updated_at": str},
        pk=("round_id", "city_id"),
        not_null={"message_id", "body", "updated_at"},
        foreign_keys=[("round_id", "checkin_rounds", "id")],
        if_not_exists=True,
    )
    db.table("help_requests").create_index(["status", "city_id"], if_not_exists=True)
    db.table("help_requests").create_index(["round_id", "chat_id"], if_not_exists=True)
    # A survey sent (or being sent) about one warning thread: once per thread, even across restarts.
    db.table("survey_rounds").create(
        {"warning_id": int, "started_by": str, "started_at": str, "drill": int},
        pk="warning_id",
        not_null={"started_at", "drill"},
        defaults={"drill": 0},
        foreign_keys=[("warning_id", "warnings", "id")],
        if_not_exists=True,
    )
    # After-action survey: one row per leader × warning × livelihood; each question is optional.
    db.table("survey_answers").create(
        {
            "warning_id": int,
            "chat_id": int,
            "livelihood": str,
            "arrived": str,
            "actions": str,
            "loss_avoided": str,
            "loss_happened": str,
            "answered_at": str,
            "updated_at": str,
        },
        pk=("warning_id", "chat_id", "livelihood"),
        not_null={"answered_at", "updated_at"},
        foreign_keys=[("warning_id", "warnings", "id"), ("chat_id", "leaders", "chat_id")],
        if_not_exists=True,
    )
    db.table("survey_answers").create_index(["chat_id"], if_not_exists=True)


@migrations()
def m007_delivery_resilience(db: Database) -> None:
    # A send whose outcome is unknown (timed out after the request was written) is resent once at most.
    db.table("outbox").add_column("unknown_outcomes", int, not_null_default=0)
    # Escalation per leader, so those who reach the age after the first run are named in a follow-up.
    db.table("escalated_leaders").create(
        {"warning_id": int, "chat_id": int, "sent_at": str},
        pk=("warning_id", "chat_id"),
        not_null={"sent_at"},
        if_not_exists=True,
    )


@migrations()
def m008_need_help_steps(db: Database) -> None:
    # Where a leader is in the need-help steps (location, people, need; null when not in them), so a
    # restart of the bot does not lose the conversation.
    db.table("help_requests").add_column("step", str)


@migrations()
def m009_delivery_outage(db: Database) -> None:
    # The Telegram outage in progress (one row at most), so a restart during it still tells the
    # admins once that it began and once that delivery resumed.
    db.table("delivery_outage").create(
        {"id": int, "since": str, "error": str, "pending": int},
        pk="id",
        not_null={"since", "error", "pending"},
        if_not_exists=True,
    )


@migrations()
def m010_drop_outbox_clear_buttons(db: Database) -> None:
    # Written by every enqueue, never read: the worker works out which buttons to remove when it sends
    # (bot.delivery.plan). DROP COLUMN (SQLite 3.35+) keeps every row and index; no index or view names it.
    db.execute("alter table outbox drop column clear_buttons")
