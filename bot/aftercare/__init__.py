"""During and after the storm: check-in answers, need-help steps, help-request cards, the triage
messages, the after-action survey buttons, /help_requests and /impact.

`handlers.register_aftercare(app)` is the one call `build_application` makes. The check-in question and the
survey go to the leaders through the outbox (`asking`), started by the named job after Severe/Extreme
warnings or by an admin's /checkin and /survey.
"""
