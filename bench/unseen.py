#!/usr/bin/env python3
"""The default packs on public labelled sets they were not written on.

Two public datasets with their own labels, not part of ../shared/corpora:

- CrisisLexT26 (github.com/sajao/CrisisLex, data/CrisisLexT26): about 1,000
  crowd-labelled tweets for each of 26 crises of 2012-2013. Two are crimes,
  the LA airport shooting and the Boston bombings; the rest are floods,
  earthquakes, storms, fires and crashes with no crime in them.
- SafeCity (github.com/swkarlekar/safecity, multilabel_classification):
  about 9,900 reports of sexual harassment written by the people it
  happened to or saw it, each marked for commenting, staring and
  touching/groping.

Their labels become labels of docs/eval in this way (LABELLING.md):

- a crime-event tweet the crowd marked "Related and informative" and of a
  type other than "Sympathy and support" or "Donations and volunteering" is
  an alert; one marked "Not related" or "Not applicable" is not; the rest
  (related but not informative, sympathy, donations) are left out;
- every tweet of a crisis with no crime in it is no alert; the crises where
  a criminal investigation followed (the Brazil nightclub fire, the Savar
  building collapse, the Lac-Megantic and Spain train crashes) are left out;
- a SafeCity report marked touching/groping is an alert (crime.sexual); the
  others (comments, staring, or none of the three) are left out, since they
  are not always a crime.

Every text whose sha256(id) mod 5 == 0 goes to the part set aside, as for
eval/labels. The script writes a corpus directory and label files, then runs
`wijkwacht rules stats` on each part and prints the figures. No text is
written anywhere but the temporary directory.

Usage: bench/unseen.py CRISISLEX_CLONE SAFECITY_CLONE [--build DIR] [--rules DIR]
       [--part dev|aside|both] [--keep DIR] [--errors]
"""

import argparse
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CRIME_EVENTS = {
    "2013_LA_airport_shootings": ["crime.violence", "crime.weapons", "crime.threat"],
    "2013_Boston_bombings": ["crime.explosion", "crime.violence", "crime.threat", "crime.weapons",
                             "public.witness_appeal", "footage.shared"],
}
# Crises where arrests or charges followed: neither clearly an alert nor clearly not.
LEFT_OUT = {"2013_Brazil_nightclub_fire", "2013_Savar_building_collapse",
            "2013_Lac_Megantic_train_crash", "2013_Spain_train_crash"}
NOT_INFORMATIVE_TYPES = {"Sympathy and support", "Donations and volunteering"}


def aside(text_id):
    return int(hashlib.sha256(text_id.encode()).hexdigest(), 16) % 5 == 0


def crisislex(root):
    base = os.path.join(root, "data", "CrisisLexT26")
    if not os.path.isdir(base):
        sys.exit(f"bench/unseen.py: {base}: no CrisisLexT26 directory; "
                 "clone https://github.com/sajao/CrisisLex and give its path")
    for event in sorted(os.listdir(base)):
        path = os.path.join(base, event, f"{event}-tweets_labeled.csv")
        if event in LEFT_OUT or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            rows = csv.reader(f)
            next(rows)
            for row in rows:
                if len(row) < 5:
                    continue
                tweet_id, text, _, info_type, informativeness = (c.strip() for c in row[:5])
                if event in CRIME_EVENTS:
                    if informativeness == "Related and informative" and info_type not in NOT_INFORMATIVE_TYPES:
                        label = {"flagged": True, "categories": CRIME_EVENTS[event]}
                    elif informativeness in ("Not related", "Not applicable"):
                        label = {"flagged": False, "categories": []}
                    else:
                        continue
                    source = "crisislex_crime"
                else:
                    label = {"flagged": False, "categories": []}
                    source = "crisislex_nocrime"
                yield f"{source}:{event}/{tweet_id}", text, label


def safecity(root):
    base = os.path.join(root, "multilabel_classification")
    if not os.path.isdir(base):
        sys.exit(f"bench/unseen.py: {base}: no multilabel_classification directory; "
                 "clone https://github.com/swkarlekar/safecity and give its path")
    for split in ("train", "dev", "test"):
        with zipfile.ZipFile(os.path.join(base, f"{split}.csv.zip")) as z:
            data = z.read(f"{split}.csv").decode("utf-8", errors="replace")
        rows = csv.reader(io.StringIO(data))
        next(rows)
        for n, row in enumerate(rows):
            if len(row) >= 4 and row[3].strip() == "1":
                yield f"safecity_groping:{split}/{n}", row[0], {"flagged": True, "categories": ["crime.sexual"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("crisislex")
    ap.add_argument("safecity")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules", "packs"), help="rule directory (default: the packs)")
    ap.add_argument("--part", choices=["dev", "aside", "both"], default="both")
    ap.add_argument("--keep", help="write the corpus and labels here instead of a temporary directory")
    ap.add_argument("--errors", action="store_true", help="print the posts the packs get wrong (development part only)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or tmp
        os.makedirs(os.path.join(work, "corpus"), exist_ok=True)
        files = {}
        labels = {"dev": [], "aside": []}
        for text_id, text, label in list(crisislex(args.crisislex)) + list(safecity(args.safecity)):
            source = text_id.split(":", 1)[0]
            if source not in files:
                files[source] = open(os.path.join(work, "corpus", source + ".jsonl"), "w", encoding="utf-8")
            files[source].write(json.dumps({"id": text_id, "text": text, "lang": "en"}) + "\n")
            labels["aside" if aside(text_id) else "dev"].append({"id": text_id, "label": label})
        for f in files.values():
            f.close()
        parts = ["dev", "aside"] if args.part == "both" else [args.part]
        for part in parts:
            path = os.path.join(work, f"{part}.jsonl")
            with open(path, "w") as f:
                for line in labels[part]:
                    f.write(json.dumps(line) + "\n")
            cmd = [os.path.join(args.build, "cli", "wijkwacht"), "rules", "stats",
                   "--rules", args.rules, "--corpus", os.path.join(work, "corpus"), path]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            print(f"== {'development part' if part == 'dev' else 'part set aside'} ({len(labels[part])} texts)")
            shown = out if (args.errors and part == "dev") else out.split("\nfalse positives:")[0]
            print(shown.rstrip())


if __name__ == "__main__":
    main()
