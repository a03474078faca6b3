from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-22T02:18:41:764936"
VERSION = "1.38.0"
DESCRIPTION = "Once-a-day jobs shared by the workers"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="cityloop", description=DESCRIPTION
    )

    manager.add_table(
        class_name="DailyJob", tablename="daily_job", schema=None, columns=None
    )

    manager.add_column(
        table_class_name="DailyJob",
        tablename="daily_job",
        column_name="name",
        db_column_name="name",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 60,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="DailyJob",
        tablename="daily_job",
        column_name="last_run_day",
        db_column_name="last_run_day",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": DateNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
