"""Delivery: the outbox worker, the rate limiter, its jobs, reminders and delivery texts."""
