"""Turns ACTION:, NOTE:/NOTIZ: and URL: calendar entries into commands, notes and saved links."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from app.plugins import (
    BaseEventPlugin,
    Consumed,
    EventData,
    Field,
    PluginContext,
    PluginSettings,
    due_time,
    field_validator,
)

PREFIX = re.compile(r"^\s*(ACTION|NOTIZ|NOTE|URL)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
COMMAND_WORD = re.compile(r"[A-Z][A-Z0-9_]*")
SYSTEM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
REJECTED_TAG = "command-rejected"


class CommandSyntaxError(ValueError):
    """The words of an entry cannot be split (an unbalanced quote)."""


def split_words(text: str) -> list[str]:
    """Split on whitespace; double quotes group words (and may be empty). Unbalanced quotes raise."""
    words: list[str] = []
    current: list[str] = []
    quoted = False
    in_word = False
    for char in text:
        if char == '"':
            quoted = not quoted
            in_word = True
        elif char.isspace() and not quoted:
            if in_word:
                words.append("".join(current))
            current, in_word = [], False
        else:
            current.append(char)
            in_word = True
    if quoted:
        raise CommandSyntaxError("unbalanced double quote")
    if in_word:
        words.append("".join(current))
    return words


class CommandHandlerSettings(PluginSettings):
    """`command_handler.*` (or plugins.settings.command_handler)."""

    action_whitelist: list[str] = ["REBOOT", "BACKUP", "DEPLOY", "NOTIFY", "RESTART", "STATUS"]
    deliver_at_event_start: bool = False
    # With deliver_at_event_start: the command becomes available this many minutes before its event starts.
    deliver_offset_minutes: Annotated[float, Field(ge=0, le=7 * 24 * 60)] = 0
    # Calendars whose entries may fire. None: events made through the API or the dashboard, the writable
    # calendars of configured accounts and the demo calendar; never an ICS feed. A list replaces that default
    # (name "local" to keep API and dashboard events).
    trusted_calendars: list[str] | None = None
    # When set, a synced entry also needs one of these organizers (e-mail addresses, any case).
    trusted_organizers: list[str] = []

    @field_validator("action_whitelist")
    @classmethod
    def _upper_words(cls, value: list[str]) -> list[str]:
        for word in value:
            if not COMMAND_WORD.fullmatch(word):
                raise ValueError(f"{word!r} is not an upper-case word")
        return value


def untrusted_because(event: EventData, config: CommandHandlerSettings, context: PluginContext) -> str | None:
    """Why an entry from this event's place must not fire (None: it may). API and dashboard events come from
    whoever holds a key; a synced one from whoever can put an event into that calendar, an invitation included."""
    made_here = event.source == "local"
    if config.trusted_calendars is not None:
        if event.calendar_id not in config.trusted_calendars:
            return f"calendar {event.calendar_id!r}, which is not in command_handler.trusted_calendars,"
    elif not (made_here or event.source == "demo" or context.is_writable_calendar(event.calendar_id)):
        where = f"the read-only calendar {event.calendar_id!r} ({event.source}"
        return f"{where}; list it in command_handler.trusted_calendars to allow it)"
    organizers = {address.lower() for address in config.trusted_organizers}
    if organizers and not made_here and (event.organizer or "") not in organizers:
        sender = event.organizer or "no organizer"
        return f"{sender}, who is not in command_handler.trusted_organizers,"
    return None


def delivery_time(config: CommandHandlerSettings, start: datetime, now: datetime) -> datetime | None:
    """When a command made from an event starting at `start` is due: deliver_offset_minutes before its start
    (the same due time webhooks' event.starting uses) if deliver_at_event_start is set and that lies ahead,
    else at once (None)."""
    due = due_time(start, config.deliver_offset_minutes)
    return due if config.deliver_at_event_start and due > now else None


class CommandHandler(BaseEventPlugin):
    """The first plugin of the pipeline: consumes entries written in the formats of contract section 7."""

    name = "command_handler"
    settings_model = CommandHandlerSettings
    owned_tags = (REJECTED_TAG,)

    def process(self, event: EventData, context: PluginContext) -> EventData | Consumed:
        """Consume a recognised entry; leave anything else (and rejected ACTIONs, with a reason) as is."""
        match = PREFIX.match(event.title or "")
        if match is None:
            return event
        keyword, rest = match.group(1).upper(), match.group(2).strip()
        distrust = untrusted_because(event, context.plugin_settings, context)
        if distrust:
            return self._reject(event, f"{keyword}: entries from {distrust} are not carried out")
        if keyword == "ACTION":
            return self._action(event, rest, context)
        if keyword in ("NOTE", "NOTIZ"):
            return self._note(event, rest, context)
        return self._url(event, rest, context)

    def _action(self, event: EventData, rest: str, context: PluginContext) -> EventData | Consumed:
        try:
            words = split_words(rest)
        except CommandSyntaxError as exc:
            return self._reject(event, f"ACTION cannot be read: {exc}")
        if len(words) < 2:
            return self._reject(event, "ACTION needs a command and a target system: ACTION: <COMMAND> <SYSTEM>")
        command, system_id, args = words[0].upper(), words[1], words[2:]
        config: CommandHandlerSettings = context.plugin_settings
        whitelist = list(config.action_whitelist)
        if not COMMAND_WORD.fullmatch(command) or command not in whitelist:
            allowed = ", ".join(whitelist) or "none"
            return self._reject(event, f"command {command!r} is not in the whitelist (allowed: {allowed})")
        if not SYSTEM_ID.fullmatch(system_id):
            return self._reject(event, f"target system {system_id!r} is not a valid system id")
        due = delivery_time(config, event.start_time, datetime.now(UTC))
        command_id = context.create_command(event, system_id, command, args, deliver_at=due)
        return Consumed(plugin=self.name, kind="command", id=command_id)

    def _note(self, event: EventData, rest: str, context: PluginContext) -> EventData | Consumed:
        text = rest or event.description.strip()
        if not text:
            return self._problem(event, "NOTE has no text")
        return Consumed(plugin=self.name, kind="note", id=context.create_note(event, text))

    def _url(self, event: EventData, rest: str, context: PluginContext) -> EventData | Consumed:
        try:
            words = split_words(rest)
        except CommandSyntaxError as exc:
            return self._problem(event, f"URL cannot be read: {exc}")
        if not words:
            return self._problem(event, "URL has no address")
        url, title = words[0], " ".join(words[1:])
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return self._problem(event, f"only http and https links are saved, not {url!r}")
        return Consumed(plugin=self.name, kind="url", id=context.create_url(event, url, title))

    def _reject(self, event: EventData, reason: str) -> EventData:
        return self._problem(event, reason).copy(tags=[*event.tags, REJECTED_TAG])

    def _problem(self, event: EventData, message: str) -> EventData:
        return event.copy(problems=[*event.problems, {"plugin": self.name, "message": message}])


plugin = CommandHandler()
