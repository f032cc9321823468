import time

from django.core.management.base import BaseCommand

from criteria.ledger import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the progress ledger (where every commune stood on every date) and every round's criteria met from the "
        "raw rounds, results and recognition decisions. Needed once after loading rows by other means than the "
        "portal's services (an import, a restored backup); the services keep it up to date otherwise."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        written = rebuild()
        self.stdout.write(f"Sổ tiến độ: {written} dòng, {time.perf_counter() - started:.1f} s")
