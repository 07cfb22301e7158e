#!/usr/bin/env python3
"""Draws the posts labelled for places (eval/PLACES.md) from ../shared/corpora.

A fixed seed and fixed shares per corpus file, half at random and half with a
hint of a place or of a hard case (a word after "in"/"uit"/"bij", a hashtag,
a place name that is also a word or a foreign place), so the sample holds the
ambiguities the tagger must handle. Prints one id a line; with --texts, JSON
lines with the text too, for the people labelling (never into the project).

Usage: bench/placesample.py [--corpus DIR] [--texts]
"""

import argparse
import json
import os
import random
import re

import corpuslines

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HARD_NL = re.compile(
    r"\b(Best|Goes|Ee|Born|Elst|Nes|Lent|Made|Bergen|Hengelo|Haren|Parijs|Antwerpen|Brussel|"
    r"Gent|Keulen|Limburg|Van Amsterdam|Van Tilburg|[A-Z][a-z]+(se)?(weg|straat|plein|laan))\b")
HINT_NL = re.compile(r"\b(in|uit|bij|te|omgeving|regio) [A-Z'][a-z]")
HINT_EN = re.compile(r"(#[A-Z][a-z]|\b(in|from|near|across) [A-Z][a-z])")

# (file, random share, hinted share, hint)
PLAN = [
    ("nl_news_leestmeer_2012_2019", 275, 275, HARD_NL),
    ("nl_party_tweets", 125, 125, HINT_NL),
    ("nl_politie_leestmeer_2012_2019", 150, 0, None),
    ("en_uk_police_tweets_2019_2021", 200, 200, HINT_EN),
    ("en_city_incident_tweets_4class", 75, 75, HINT_EN),
    ("en_kaggle_disaster_tweets", 50, 50, HINT_EN),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--texts", action="store_true", help="print id and text as JSON lines")
    args = ap.parse_args()
    rng = random.Random(24)
    by_file = {}
    for r in corpuslines.corpus_records(args.corpus):
        by_file.setdefault(r["id"].rsplit(":", 1)[0], []).append(r)
    for name, n_random, n_hint, hint in PLAN:
        rows = by_file.get(name, [])
        rng.shuffle(rows)
        chosen = rows[:n_random]
        rest = rows[n_random:]
        if hint is not None:
            chosen += [r for r in rest if hint.search(r["text"])][:n_hint]
        for r in chosen:
            print(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False)
                  if args.texts else r["id"])


if __name__ == "__main__":
    main()
