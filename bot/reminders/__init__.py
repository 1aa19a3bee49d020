"""Deadline reminders: which are due when, what each person is told, and the daily run."""
