#!/usr/bin/env python3
"""Incident quality on real alerts: the joiner against incidents labelled by hand.

eval/incidents/labels.jsonl groups the alerts of five weeks of politie.nl
items and Dutch news (eval/INCIDENTS.md) into incidents. Week 22 of 2019 is
the part set aside: it is never printed alert by alert. For each week the
alerts are placed (--places), joined in the order of their publication by
wijkwacht-bench-incidents, and scored with B-cubed precision and recall
(Bagga and Baldwin 1998): for every alert, the share of its predicted
incident that is in its labelled one, and the share of its labelled
incident that its predicted one holds. Also: how many cards a team sees per
labelled incident, before (one per alert) and after.

Usage: bench/incidents.py --places DIR [--build DIR] [--corpus DIR] [--window H] [--errors]
"""

import argparse
import collections
import email.utils
import json
import os
import subprocess
import sys
import tempfile

import corpuslines

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASIDE = "w22"


def bcubed(pred, gold):
    by_pred = collections.defaultdict(set)
    by_gold = collections.defaultdict(set)
    for i in gold:
        by_pred[pred[i]].add(i)
        by_gold[gold[i]].add(i)
    p = r = 0.0
    for i in gold:
        both = len(by_pred[pred[i]] & by_gold[gold[i]])
        p += both / len(by_pred[pred[i]])
        r += both / len(by_gold[gold[i]])
    return p / len(gold), r / len(gold), len(by_pred), len(by_gold)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--places", required=True)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--window", type=int, default=12)
    ap.add_argument("--tune", nargs=2, metavar=("PLACED", "UNPLACED"),
                    help="the joiner's word thresholds (default: its own)")
    ap.add_argument("--errors", action="store_true",
                    help="print the development weeks' wrong joins and missed ones")
    args = ap.parse_args()
    labels = [json.loads(l) for l in open(os.path.join(ROOT, "eval", "incidents", "labels.jsonl"))]
    gold = {y["id"]: y["incident"] for y in labels}
    posts = {}
    for r in corpuslines.corpus_records(args.corpus):
        if r["id"] in gold:
            at = email.utils.parsedate_to_datetime(r["date"]).astimezone(
                __import__("datetime").timezone.utc)
            posts[r["id"]] = {"source": r["id"].rsplit(":", 1)[0], "platform": "feed",
                              "id": r["id"], "text": r["text"], "lang": "nl",
                              "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    missing = set(gold) - set(posts)
    if missing:
        sys.exit(f"{len(missing)} labelled ids are not in {args.corpus}")
    wijkwacht = os.path.join(args.build, "cli", "wijkwacht")
    with tempfile.TemporaryDirectory() as tmp:
        post_file = os.path.join(tmp, "posts.jsonl")
        with open(post_file, "w") as f:
            for i in gold:
                f.write(json.dumps(posts[i]) + "\n")
        flagged = subprocess.run([wijkwacht, "rules", "test", "--rules",
                                  os.path.join(ROOT, "rules", "packs"), "--json", post_file],
                                 capture_output=True, text=True, check=False).stdout
        alerts = {a["post"]["id"]: a for a in map(json.loads, flagged.splitlines())}
        alert_file = os.path.join(tmp, "alerts.jsonl")
        with open(alert_file, "w") as f:
            for i in gold:
                a = alerts.get(i) or {"type": "alert", "id": "", "categories": [],
                                      "matches": [], "post": posts[i]}
                f.write(json.dumps(a) + "\n")
        out = subprocess.run([os.path.join(args.build, "bench", "wijkwacht-bench-incidents"),
                              "--places", args.places, "--window", str(args.window), alert_file]
                             + (["--placed-words", args.tune[0], "--unplaced-words", args.tune[1]]
                                if args.tune else []),
                             capture_output=True, text=True, check=True).stdout
    pred, reason = {}, {}
    for line in out.splitlines():
        x = json.loads(line)
        pred[x["id"]] = x["incident"]
        reason[x["id"]] = x["reason"]
    print(f"{'part':<6} {'week':<5} {'alerts':>6} {'incidents':>9} {'cards':>6} "
          f"{'B3 prec':>8} {'B3 recall':>9} {'F':>6}")
    parts = collections.defaultdict(dict)
    for i, g in gold.items():
        parts[g.split("-")[0]][i] = g
    totals = {"dev": [0, 0, 0, 0, 0], "aside": [0, 0, 0, 0, 0]}
    for week in sorted(parts):
        g = parts[week]
        p, r, cards, incidents = bcubed({i: pred[i] for i in g}, g)
        part = "aside" if week == ASIDE else "dev"
        t = totals[part]
        t[0] += len(g)
        t[1] += incidents
        t[2] += cards
        t[3] += p * len(g)
        t[4] += r * len(g)
        print(f"{part:<6} {week:<5} {len(g):>6} {incidents:>9} {cards:>6} {p:>8.3f} {r:>9.3f} "
              f"{2 * p * r / (p + r):>6.3f}")
    for part, t in totals.items():
        p, r = t[3] / t[0], t[4] / t[0]
        print(f"{part:<6} {'all':<5} {t[0]:>6} {t[1]:>9} {t[2]:>6} {p:>8.3f} {r:>9.3f} "
              f"{2 * p * r / (p + r):>6.3f}   cards per labelled incident: before "
              f"{t[0] / t[1]:.2f}, after {t[2] / t[1]:.2f}")
    if args.errors:
        texts = {i: posts[i]["text"][:110].replace("\n", " ") for i in gold}
        for week in sorted(parts):
            if week == ASIDE:
                continue
            g = parts[week]
            by_pred = collections.defaultdict(list)
            for i in g:
                by_pred[pred[i]].append(i)
            for members in by_pred.values():
                if len({g[i] for i in members}) > 1:
                    print("\nWRONG JOIN:")
                    for i in members:
                        print(f"  [{g[i]}] {reason[i][:60]} | {texts[i]}")
            by_gold = collections.defaultdict(list)
            for i in g:
                by_gold[g[i]].append(i)
            for members in by_gold.values():
                if len({pred[i] for i in members}) > 1:
                    print("\nMISSED:")
                    for i in members:
                        print(f"  ({pred[i][:6]}) {texts[i]}")


if __name__ == "__main__":
    main()
