"""Data built once and shared by many tests, each test still rolled back on its own.

Two ways, by what the data is:
- `rolled_back_at_end`: rows a module or a class of tests only reads, built in a transaction that stays open for the
  scope and is rolled back when it ends. pytest-django nests each test's own transaction inside it as a savepoint, so
  a test's writes vanish after the test and the shared rows after the scope. Not in a module with transactional
  tests, which must commit: a scope ends when its worker moves on to another module, so keep those tests in modules of
  their own (they are: the browser and worker tests).
- `RowCopy`: a small set of rows that is expensive to build (the national criteria sets: hundreds of upserts) but
  cheap to insert: built and read once per run, then inserted again by each test that asks, in one query per model,
  under new keys. Works in transactional tests too, and a test that does not ask sees none of it.
"""

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, models, transaction


@contextmanager
def rolled_back_at_end(django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def foreign_keys_checked() -> None:
    """Call once the shared rows are built. PostgreSQL defers their foreign key checks (Django makes the constraints
    deferrable) to the end of the open transaction; pytest-django checks them at the end of every test, inside the
    test's savepoint, whose rollback leaves them pending for the next test again: 1.9 s a test over a 120-commune demo.
    Checked here, once, they are done with."""
    if connection.vendor == "postgresql":
        connection.check_constraints()


def own_copy(shared):
    """What a test gets of shared model instances: its own copies, so that an instance one test changes in memory
    (refresh_from_db, an attribute set) is as built for the next one (Django's setUpTestData does the same)."""
    return copy.deepcopy(shared)


class RowCopy:
    """The rows of `row_models` (listed parents first) as `build` leaves them, read once and inserted again on
    `restore()`. Foreign keys between the copied models follow the new keys; any other keeps its value."""

    def __init__(self, row_models: list[type[models.Model]], rows: dict[type[models.Model], list[dict]]) -> None:
        self.row_models = row_models
        self.rows = rows

    @classmethod
    def capture(cls, build: Callable[[], object], row_models: list[type[models.Model]], django_db_blocker) -> "RowCopy":
        with rolled_back_at_end(django_db_blocker):
            build()
            rows = {model: list(model.objects.order_by("pk").values()) for model in row_models}
        for model in row_models:
            self_references = [f for f in model._meta.concrete_fields if f.many_to_one and f.related_model is model]
            if any(row[field.attname] for field in self_references for row in rows[model]):
                raise NotImplementedError(f"{model.__name__} rows refer to each other: copy them in two steps")
        return cls(row_models, rows)

    def restore(self) -> None:
        new_keys: dict[type[models.Model], dict[int, int]] = {}
        for model in self.row_models:
            references = [field for field in model._meta.concrete_fields if field.many_to_one]
            rows = self.rows[model]
            instances = []
            for row in rows:
                values = {key: value for key, value in row.items() if key != "id"}
                for field in references:
                    if field.related_model in new_keys and values[field.attname] is not None:
                        values[field.attname] = new_keys[field.related_model][values[field.attname]]
                instances.append(model(**values))
            model.objects.bulk_create(instances)
            new_keys[model] = {row["id"]: new.pk for row, new in zip(rows, instances, strict=True)}
