"""Run as a separate process on a restored database: print the case's decrypted names as JSON.

`python -m tests.hardening.restored_reader <case id>` with DATABASE_URL and the keys in the
environment, as the service would start after a restore. Prints {"names": [...]} or
{"error": "<exception class>"} when the values cannot be decrypted.
"""

from __future__ import annotations

import json
import sys


def main(case_id: str) -> None:
    import django

    django.setup()
    from cases.models import Case, PersonName

    case = Case.objects.get(pk=case_id)
    try:
        names = sorted(
            f"{n.given_names} {n.family_name}"
            for n in PersonName.objects.filter(person__case=case).select_related("data_key")
        )
        print(json.dumps({"reference": case.reference, "names": names, "place": case.separation_place}))
    except Exception as exc:  # noqa: BLE001  # the class name is the answer
        print(json.dumps({"reference": case.reference, "error": type(exc).__name__}))


if __name__ == "__main__":
    main(sys.argv[1])
