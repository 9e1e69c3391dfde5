"""Which sync runs say how complete the appointment sync is (the status page, the physicians, the report)."""

# Runs that say nothing of how complete the appointment sync is: they look back at a few days.
SIDE_KINDS = ("exception", "status_check")
# Runs of the appointment sync itself over the company's window: the only ones that can make a sync
# complete (a status update or status check run queries no appointment window of all physicians).
SYNC_KINDS = ("periodic", "end_of_day", "manual")
