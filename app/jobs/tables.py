from piccolo.columns import Date, Varchar
from piccolo.table import Table


class DailyJob(Table, tablename="daily_job"):
    """When a once-a-day job last ran, so that one worker of many runs it each city day."""

    name = Varchar(length=60, unique=True)
    last_run_day = Date()
