"""Codes of the expected failures of the communication domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class CommunicationCode(Code):
    ALREADY_REPORTED = "ALREADY_REPORTED", "You have reported this before."
    ANNOUNCEMENT_PUBLISHED = (
        "ANNOUNCEMENT_PUBLISHED",
        "The announcement is published: its schedule can no longer change.",
    )
    BLOCKED = "BLOCKED", "One of you has blocked the other: no messages between you."
    CANNOT_MESSAGE = (
        "CANNOT_MESSAGE",
        "You may not start a conversation with this user (see the messaging rule).",
    )
    CANNOT_MESSAGE_SELF = "CANNOT_MESSAGE_SELF", "A conversation needs someone else."
    NOT_A_REPLY = "NOT_A_REPLY", "Only a reply can be accepted as the solution."
    POST_DELETED = "POST_DELETED", "The post was deleted: it can no longer change or be voted on."
    THREAD_LOCKED = "THREAD_LOCKED", "The thread is locked: no new posts or edits."
    WRONG_THREAD = "WRONG_THREAD", "The post belongs to another thread."
