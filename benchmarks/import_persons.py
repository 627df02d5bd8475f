"""Importing a 100,000-row CSV person list (encryption and blind indexes) on PostgreSQL.

    nice -n 10 .venv/bin/python benchmarks/import_persons.py             # 100,000 rows
    nice -n 10 .venv/bin/python benchmarks/import_persons.py --rows 10000

Creates the database `tracing_bench_import` on 127.0.0.1:5432 (user postgres), migrates,
seeds the demo offices and logins (`seed_demo`, no cases), writes a synthetic CSV (names
from several scripts, dates of birth or ages, nationalities, phones, camps) and runs the
real command `manage.py import_persons FILE --user nl-caseworker` in a child process: the
upload, the dry run over every row, and the chunked import (each person with its own data
key, sealed fields, names, places and blind-index terms, history rows, an audit event per
chunk). Prints JSON: wall time of the whole command, rows per second, persons and search
terms written, and the load average before and after.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from case_pages import bench_env, create_database, manage  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "tracing_bench_import"

GIVEN = ["Amina", "Hassan", "Fatuma", "Mohamed", "Ahmed", "Halima", "Yusuf", "Maryam", "Ali", "Khadija",
         "Ibrahim", "Asha", "Omar", "Zainab", "Abdi", "Hawa", "Musa", "Safiya", "Juma", "Rahma",
         "Ольга", "Иван", "محمد", "فاطمة", "ሙሉጌታ", "Tigist", "Jean", "Marie", "José", "Nguyễn"]
FAMILY = ["Yusuf", "Abdi", "Ali", "Mohamed", "Hassan", "Osman", "Farah", "Warsame", "Jama", "Noor",
          "Ahmed", "Ibrahim", "Kamau", "Otieno", "Wanjiru", "Haile", "Tesfaye", "Petrova", "Ivanov",
          "الأحمد", "Dupont", "García", "Nguyen", "Mutua", "Achieng", "Mensah", "Diallo", "Traoré"]
CAMPS = [("Dadaab", "KE"), ("Kakuma", "KE"), ("Kalobeyei", "KE"), ("Nyarugusu", "TZ"), ("Bidi Bidi", "UG")]
COUNTRIES = ["SO", "ET", "SS", "SD", "CD", "ER", "BI", "UA", "SY"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Given names", "Family name", "Sex", "Date of birth", "Nationality", "Phone", "Camp",
                      "Country"])
        for n in range(rows):
            camp, country = rng.choice(CAMPS)
            born = (f"{rng.randint(1940, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                    if rng.random() < 0.7 else str(rng.randint(1, 90)))
            phone = f"+2547{rng.randint(10, 99)}{n:06d}" if rng.random() < 0.4 else ""
            out.writerow([rng.choice(GIVEN), rng.choice(FAMILY), rng.choice(["female", "male", "f", "m", ""]),
                          born, rng.choice(COUNTRIES), phone, camp, country])


def counts(env: dict[str, str]) -> dict[str, int]:
    code = ("import json; from cases.models import Person, PersonSearchTerm; "
            "print(json.dumps({'persons': Person.objects.count(), 'search_terms': PersonSearchTerm.objects.count()}))")
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,  # noqa: S603
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=2000)
    args = parser.parse_args()
    env = bench_env(DATABASE)
    create_database(DATABASE)
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "seed_demo", "--cases", "0")
    path = ROOT / "var" / f"bench-import-{args.rows}.csv"
    write_csv(path, args.rows)
    load_before = os.getloadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "import_persons", str(path), "--user", "nl-caseworker",  # noqa: S603
                    "--chunk-size", str(args.chunk_size)], cwd=ROOT, env=env, check=True)
    wall = time.perf_counter() - started
    load_after = os.getloadavg()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the import process itself (PostgreSQL's own work is not included): on a
    # busy shared machine this tells how much of the wall time was waiting for a CPU.
    cpu = (usage.ru_utime - cpu_before.ru_utime) + (usage.ru_stime - cpu_before.ru_stime)
    written = counts(env)
    size = path.stat().st_size
    path.unlink()
    print(json.dumps({
        "rows": args.rows, "file_mb": round(size / 1e6, 1),
        "wall_s": round(wall, 1), "rows_per_s": round(args.rows / wall), "import_process_cpu_s": round(cpu, 1),
        "chunk_size": args.chunk_size,
        **written, "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after], "cpus": os.cpu_count(),
    }, indent=2))


if __name__ == "__main__":
    main()
