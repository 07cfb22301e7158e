#!/usr/bin/env python3
"""Place quality on real text: the tagger against labels and politie.nl prefixes.

Two measurements, each reported for the development part and for the part
set aside (sha256(id) mod 5 == 0, as eval/labels), which is never printed
post by post:

- hand labels (eval/places/labels.jsonl, eval/PLACES.md): place precision
  and recall, for settlements, provincies and police areas ("places"), and
  for neighbourhoods (wijk, buurt) apart; a predicted place is right when
  its name is the labelled name and, where the label says `within`, it
  lies there;
- politie.nl items (../shared/corpora/nl_politie_leestmeer_2012_2019.jsonl)
  whose title starts "Plaats - ": the prefix is removed and is the label.
  "right" is the share of posts whose first place (the one the post is
  most about) is the prefix's place, or lies in it, or is its gemeente,
  among the posts given a first place; "nothing wrong" is the share of all
  posts whose first place is not wrong (no place is not wrong); "among" the
  share of placed posts that name the prefix's place anywhere.

Usage: bench/places.py --places DIR [--build DIR] [--corpus DIR] [--errors]
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import unicodedata

import corpuslines

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GROUPS = {"woonplaats": "place", "gemeente": "place", "town": "place", "authority": "place",
          "provincie": "place", "eenheid": "place", "basisteam": "place", "force": "place",
          "wijk": "wijk", "buurt": "wijk"}


def fold(text):
    text = unicodedata.normalize("NFKD", text or "").casefold()
    return "".join(c for c in text if c.isalnum())


def aside(post_id):
    return int(hashlib.sha256(post_id.encode()).hexdigest(), 16) % 5 == 0


def tag(build, places, posts):
    """Post JSON in, the places of each post out (by id)."""
    exe = os.path.join(build, "cli", "wijkwacht")
    body = "".join(json.dumps({"id": i, "source": s, "platform": "feed", "text": t}) + "\n"
                   for i, s, t in posts)
    out = subprocess.run([exe, "places", "tag", "--places", places, "-"], input=body,
                         capture_output=True, text=True, check=True).stdout
    return {p["id"]: p.get("places", []) for p in map(json.loads, out.splitlines())}


def read_gazetteer(places):
    names = {}
    path = os.path.join(places, "places.tsv") if os.path.isdir(places) else places
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            continue
        cols = line.rstrip("\n").split("\t")
        for n in [cols[2]] + [a for a in cols[3].split("|") if a]:
            names.setdefault(fold(n), []).append((cols[0], cols[1], cols[2]))
    return names


def label_matches(label, place):
    if GROUPS.get(label.get("kind"), "place") != GROUPS.get(place.get("kind"), "place"):
        return False
    if fold(label["name"]) != fold(place.get("name")):
        return False
    within = label.get("within")
    if within:
        around = [place.get(k) for k in ("gemeente", "provincie", "authority", "force", "eenheid")]
        return any(fold(within) == fold(a) for a in around if a)
    return True


def score_labels(args, errors):
    labels = [json.loads(l) for l in open(os.path.join(ROOT, "eval", "places", "labels.jsonl"))]
    texts = {}
    wanted = {y["id"] for y in labels}
    for r in corpuslines.corpus_records(args.corpus):
        if r["id"] in wanted:
            texts[r["id"]] = r["text"]
    got = tag(args.build, args.places, [(y["id"], y["id"].rsplit(":", 1)[0], texts[y["id"]])
                                        for y in labels])
    table = {}
    for y in labels:
        part = "aside" if aside(y["id"]) else "dev"
        source = y["id"].rsplit(":", 1)[0]
        pred = [p for p in got.get(y["id"], []) if p.get("how") in ("text", "prefix")]
        for group in ("place", "wijk"):
            want = [l for l in y["places"] if GROUPS.get(l.get("kind"), "place") == group]
            have = [p for p in pred if GROUPS.get(p.get("kind"), "place") == group]
            tp_p = sum(any(label_matches(l, p) for l in want) for p in have)
            tp_r = sum(any(label_matches(l, p) for p in have) for l in want)
            for key in ((part, group, "all"), (part, group, source)):
                c = table.setdefault(key, [0, 0, 0, 0])
                c[0] += tp_p
                c[1] += len(have)
                c[2] += tp_r
                c[3] += len(want)
            if errors and part == "dev" and group == "place" and (tp_p < len(have) or tp_r < len(want)):
                print(f"{y['id']}: want {[l['name'] for l in want]} got "
                      f"{[(p['name'], p['kind']) for p in have]}\n  {texts[y['id']][:300]!r}")
    print("hand labels: place precision and recall (settlements, provincies, police areas; "
          "wijk = neighbourhoods)")
    print(f"{'part':<6} {'group':<5} {'source':<32} {'prec':>6} {'n':>5} {'recall':>7} {'n':>5}")
    for key in sorted(table):
        c = table[key]
        p = c[0] / c[1] if c[1] else float("nan")
        r = c[2] / c[3] if c[3] else float("nan")
        print(f"{key[0]:<6} {key[1]:<5} {key[2]:<32} {p:>6.3f} {c[1]:>5} {r:>7.3f} {c[3]:>5}")


def score_prefix(args, errors):
    names = read_gazetteer(args.places)
    posts, want = [], {}
    unresolved = 0
    for r in corpuslines.corpus_records(args.corpus):
        if not r["id"].startswith("nl_politie_leestmeer_2012_2019:"):
            continue
        first, sep, body = r["text"].partition(" - ")
        if not sep or "\n" in first or len(first) > 40:
            continue
        found = [e for e in names.get(fold(first), []) if e[1] in ("woonplaats", "gemeente")]
        if not found:
            unresolved += 1
            continue
        want[r["id"]] = (first, {fold(e[2]) for e in found})
        posts.append((r["id"], "politie", body))
    got = tag(args.build, args.places, posts)
    table = {}
    for post_id, (first, accepted) in want.items():
        part = "aside" if aside(post_id) else "dev"
        c = table.setdefault(part, [0, 0, 0, 0])  # posts, given, right, among
        c[0] += 1
        places = got.get(post_id, [])
        if not places:
            continue
        c[3] += any(fold(p.get("name")) in accepted or fold(p.get("gemeente")) in accepted
                    for p in places)
        main = places[0]
        c[1] += 1
        ok = fold(main.get("name")) in accepted or fold(main.get("gemeente")) in accepted
        c[2] += ok
        if errors and not ok and part == "dev":
            print(f"{post_id}: prefix {first!r}, first place {main.get('name')} ({main.get('kind')})")
    print(f"\npolitie.nl items with a 'Plaats - ' prefix (removed; {unresolved} prefixes name no "
          "woonplaats or gemeente and are left out)")
    print(f"{'part':<6} {'posts':>6} {'placed':>7} {'right':>7} {'nothing wrong':>14} "
          f"{'among':>6}")
    for part in ("dev", "aside"):
        n, given, right, among = table.get(part, [0, 0, 0, 0])
        print(f"{part:<6} {n:>6} {given / n:>7.3f} {right / given:>7.3f} "
              f"{1 - (given - right) / n:>14.3f} {among / given:>6.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--places", required=True, help="the gazetteer (scripts/places-build --out)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--errors", action="store_true",
                    help="print the development part's mistakes (never the part set aside)")
    args = ap.parse_args()
    score_labels(args, args.errors)
    score_prefix(args, args.errors)


if __name__ == "__main__":
    sys.exit(main())
