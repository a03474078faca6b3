"""The database layer on both engines: real migrations, unique indexes, transactions, health."""

import asyncio
import sqlite3

import pytest

from app import database
from app.accounts.tables import UserAccount
from app.catalog.tables import Neighbourhood, ProviderServiceArea
from app.piccolo_app import APP_CONFIG
from tests.conftest import TEST_NOW, migrate
from tests.factories import make_listed_provider


async def test_the_real_migrations_create_every_table(database_url):
    for table in APP_CONFIG.table_classes:
        assert await table.count() == 0, table._meta.tablename


async def test_migrating_twice_changes_nothing(database_url):
    migrate(database_url)
    assert await UserAccount.count() == 0


async def test_a_provider_lists_a_neighbourhood_once_in_its_service_area(database_url):
    provider_id = await make_listed_provider("Casa Neta")
    home = await Neighbourhood.select(Neighbourhood.id).first()
    with pytest.raises(Exception) as raised:
        await ProviderServiceArea.insert(ProviderServiceArea(provider=provider_id, neighbourhood=home["id"]))
    assert database.is_unique_violation(raised.value)


async def test_unique_violations_are_recognised_and_other_errors_are_not(database_url):
    row = {"display_name": "A", "password_hash": "!", "role": "resident", "created_at": TEST_NOW}
    await UserAccount.insert(UserAccount(email="same@example.com", **row))
    with pytest.raises(Exception) as raised:
        await UserAccount.insert(UserAccount(email="same@example.com", **row))
    assert database.is_unique_violation(raised.value)
    assert not database.is_unique_violation(ValueError("same@example.com"))


async def test_a_failing_transaction_leaves_nothing_behind(database_url):
    row = {"display_name": "A", "password_hash": "!", "role": "resident", "created_at": TEST_NOW}
    with pytest.raises(RuntimeError):
        async with database.transaction():
            await UserAccount.insert(UserAccount(email="ghost@example.com", **row))
            raise RuntimeError("something went wrong halfway")
    assert await UserAccount.count() == 0


async def test_concurrent_read_then_write_transactions_queue_instead_of_failing(database_url):
    """BEGIN IMMEDIATE on SQLite: 20 writers that read first all succeed, none sees 'database is locked'."""
    await Neighbourhood.insert(Neighbourhood(name="Counter", slug="counter", latitude=0, longitude=0))

    async def bump() -> None:
        async with database.transaction():
            row = (
                await Neighbourhood.select(Neighbourhood.latitude)
                .where(Neighbourhood.slug == "counter")
                .first()
            )
            await Neighbourhood.update({Neighbourhood.latitude: row["latitude"] + 1}).where(
                Neighbourhood.slug == "counter"
            )

    await asyncio.gather(*(bump() for _ in range(20)))
    row = await Neighbourhood.select(Neighbourhood.latitude).where(Neighbourhood.slug == "counter").first()
    if database.is_sqlite():
        assert row["latitude"] == 20  # writers are serialised
    else:
        assert 1 <= row["latitude"] <= 20  # READ COMMITTED: lost updates are why we write conditionally


async def test_the_health_check_sees_a_reachable_database(database_url):
    assert await database.database_is_reachable()


async def test_the_health_check_sees_an_unreachable_database(tmp_path):
    database.bind(database.engine_from_url(f"sqlite:///{tmp_path}/missing-dir/x.sqlite3"))
    assert not await database.database_is_reachable()
    database.bind(database.engine_from_url("postgresql://nobody@127.0.0.1:1/nothing"))
    assert not await database.database_is_reachable(timeout_seconds=2)


async def test_the_health_check_sees_whether_writes_can_start(database_url):
    assert await database.database_takes_writes()
    if not database.is_sqlite():
        return  # PostgreSQL: a primary takes writes; nothing outside can hold a database-wide lock
    outsider = sqlite3.connect(database.sqlite_path(database_url), isolation_level=None)
    try:
        outsider.execute("BEGIN IMMEDIATE")
        assert not await database.database_takes_writes(timeout_seconds=0.2)
        assert await database.database_is_reachable()  # reads still answer
        outsider.execute("ROLLBACK")
        assert await database.database_takes_writes()
    finally:
        outsider.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL waits on its server
async def test_single_statements_and_transactions_wait_for_an_outside_lock_then_write(database_url):
    """An outside lock is waited for off the loop's thread (a busy wait on it would keep the
    outsider, on this same thread, from ever letting go); the writes go in once it is let go."""
    outsider = sqlite3.connect(database.sqlite_path(database_url), isolation_level=None)
    row = {"display_name": "A", "password_hash": "!", "role": "resident", "created_at": TEST_NOW}
    try:
        outsider.execute("BEGIN IMMEDIATE")
        single = asyncio.ensure_future(UserAccount.insert(UserAccount(email="single@example.com", **row)))

        async def in_transaction() -> None:
            async with database.transaction():
                await UserAccount.insert(UserAccount(email="txn@example.com", **row))

        transaction = asyncio.create_task(in_transaction())
        await asyncio.sleep(0.1)
        assert not single.done() and not transaction.done()
        outsider.execute("ROLLBACK")
        await asyncio.gather(single, transaction)
    finally:
        outsider.close()
    assert await UserAccount.count() == 2
