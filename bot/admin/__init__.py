"""What HR's administrators can do: announcements, statistics, their audit trail."""
