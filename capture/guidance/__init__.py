"""The liaison's journey: check-ins, cadence, dashboard, statistics, calendar, notifications."""
