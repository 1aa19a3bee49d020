"""Unprompted messages (reminders, announcements): queued in the store, then delivered
exactly once by the courier. See bot/storage/outbox.py for the guarantees."""
