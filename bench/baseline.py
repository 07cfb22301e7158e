#!/usr/bin/env python3
"""A learned baseline for the rule packs: how far a plain word model gets.

Trains a logistic regression over the words and word pairs of a post on the
development labels (eval/labels/dev.jsonl) and compares, per language:

  rules          what `wijkwacht rules test` flags with the packs
  model          posts the model scores above --model-threshold
  rules + model  posts the rules flag and the model scores above --veto
  rules + terms  posts the rules flag and a second model, which sees only
                 which rules and terms matched, scores above --terms

on the development part (k-fold cross-validation: every post scored by a
model that never saw it; the rules were tuned on this part, so their figure
here is optimistic) and on the part set aside (eval/labels/holdout.jsonl:
the model trained on the whole development part). For the part set aside it
prints only the aggregate figures, never a post.

The model knows nothing of the rules: no rule or term is among its inputs.
It is dependency-free (Python's standard library) and deterministic. It is a
yardstick for the packs, not part of wijkwacht.

With --unseen DIR (a directory `bench/unseen.py --keep DIR` wrote: corpus/,
dev.jsonl, aside.jsonl) it also scores the same model and the packs on those
public sets, whose sources the model never saw.

Usage: bench/baseline.py [--corpus DIR] [--build DIR] [--rules DIR]
       [--folds K] [--model-threshold P] [--veto P] [--terms P] [--curve] [--unseen DIR]
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile

from corpuslines import corpus_records, label_records

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORD = re.compile(r"[\w#@']+", re.U)


def read_labels(path):
    return list(label_records(path))


def read_corpus(corpus, wanted):
    texts = {x["id"]: (x["text"], x.get("lang", "")) for x in corpus_records(corpus)
             if x["id"] in wanted}
    missing = wanted - texts.keys()
    if missing:
        sys.exit(f"{corpus}: {len(missing)} labelled id(s) not found, e.g. {min(missing)}")
    return texts


def rule_alerts(build, rules, ids, texts):
    """What `wijkwacht rules test` flags: id -> the rules and terms that matched."""
    exe = os.path.join(build, "cli", "wijkwacht")
    if not os.access(exe, os.X_OK):
        sys.exit(f"{exe}: not built (run cmake --build {build})")
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
        for pid in ids:
            text, lang = texts[pid]
            post = {"source": pid.split(":")[0], "platform": "feed", "id": pid, "text": text}
            if lang:
                post["lang"] = lang
            f.write(json.dumps(post, ensure_ascii=False) + "\n")
        path = f.name
    try:
        run = subprocess.run([exe, "rules", "test", "--json", "--rules", rules, path],
                             capture_output=True, text=True, check=False)
    finally:
        os.unlink(path)
    if run.returncode not in (0, 1):
        sys.exit(f"rules test failed ({run.returncode}): {run.stderr.strip()}")
    alerts = {}
    for line in run.stdout.splitlines():
        if line:
            alert = json.loads(line)
            alerts[alert["post"]["id"]] = [(m["rule"], m["terms"]) for m in alert["matches"]]
    return alerts


def term_features(matches):
    """A rule alert as the rules and terms that raised it, nothing of the text around them."""
    f = {"": 1.0}
    for rule, terms in matches:
        f["r:" + rule] = 1.0
        for t in terms:
            f["t:" + t.lower()] = 1.0
    norm = 1 / math.sqrt(len(f))
    return {k: v * norm for k, v in f.items()}


def features(text):
    words = []
    for m in WORD.finditer(text.lower()):
        w = m.group(0).strip("'")
        if w.startswith("@"):
            w = "@user"
        elif w.startswith("http"):
            w = "<url>"
        words.append(w)
    f = {"": 1.0}
    for w in words:
        f["u:" + w] = 1.0
    for a, b in zip(words, words[1:]):
        f["b:" + a + " " + b] = 1.0
    norm = 1 / math.sqrt(len(f))
    return {k: v * norm for k, v in f.items()}


def sigmoid(z):
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def train(xs, ys, epochs=15, rate=0.5, l2=1e-5):
    """Logistic regression, AdaGrad steps, fixed order: the same weights every run."""
    w, g2 = {}, {}
    order = list(range(len(xs)))
    rng = random.Random(1)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            f = xs[i]
            err = sigmoid(sum(w.get(k, 0.0) * v for k, v in f.items())) - ys[i]
            for k, v in f.items():
                g = err * v + l2 * w.get(k, 0.0)
                g2[k] = g2.get(k, 0.0) + g * g
                w[k] = w.get(k, 0.0) - rate * g / math.sqrt(g2[k] + 1e-8)
    return w


def score(w, f):
    return sigmoid(sum(w.get(k, 0.0) * v for k, v in f.items()))


def figures(rows, decide, lang=None):
    tp = fp = fn = 0
    for r in rows:
        if lang and r["lang"] != lang:
            continue
        d, y = decide(r), r["flag"]
        tp += d and y
        fp += d and not y
        fn += (not d) and y
    p = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / (tp + fn) if tp + fn else 1.0
    return f"{p:.3f} / {rc:.3f}"


def table(title, rows, deciders):
    print(f"\n{title} ({len(rows)} posts)")
    print(f"  {'':<22} {'all':>15} {'en':>15} {'nl':>15}")
    for name, decide in deciders:
        cells = [figures(rows, decide, lang) for lang in (None, "en", "nl")]
        print(f"  {name:<22} {cells[0]:>15} {cells[1]:>15} {cells[2]:>15}")


def fold_of(pid, k):
    return int(hashlib.sha1(pid.encode()).hexdigest(), 16) % k


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules", "packs"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--model-threshold", type=float, default=0.4)
    ap.add_argument("--veto", type=float, default=0.2)
    ap.add_argument("--terms", type=float, default=0.5)
    ap.add_argument("--curve", action="store_true",
                    help="also train on 1/4, 1/2 and 3/4 of the development part "
                         "and score the part set aside")
    ap.add_argument("--unseen", metavar="DIR",
                    help="also score the public sets bench/unseen.py --keep DIR wrote")
    a = ap.parse_args()

    dev = read_labels(os.path.join(ROOT, "eval", "labels", "dev.jsonl"))
    hold = read_labels(os.path.join(ROOT, "eval", "labels", "holdout.jsonl"))
    if {i for i, _ in dev} & {i for i, _ in hold}:
        sys.exit("a post is in both label files")
    texts = read_corpus(a.corpus, {i for i, _ in dev} | {i for i, _ in hold})
    print(f"{len(dev)} development and {len(hold)} set-aside labels; running the rules",
          file=sys.stderr)
    alerts = rule_alerts(a.build, a.rules, [i for i, _ in dev + hold], texts)

    def rows_of(labels):
        return [{"id": i, "flag": y, "lang": texts[i][1], "x": features(texts[i][0]),
                 "rule": i in alerts, "t": term_features(alerts.get(i, []))} for i, y in labels]

    def train_terms(rows):
        flagged = [r for r in rows if r["rule"]]
        return train([r["t"] for r in flagged], [1.0 if r["flag"] else 0.0 for r in flagged])

    d, h = rows_of(dev), rows_of(hold)

    for k in range(a.folds):
        print(f"fold {k + 1}/{a.folds}", file=sys.stderr)
        train_rows = [r for r in d if fold_of(r["id"], a.folds) != k]
        w = train([r["x"] for r in train_rows], [1.0 if r["flag"] else 0.0 for r in train_rows])
        wt = train_terms(train_rows)
        for r in d:
            if fold_of(r["id"], a.folds) == k:
                r["p"] = score(w, r["x"])
                r["q"] = score(wt, r["t"])
    print("whole development part", file=sys.stderr)
    w = train([r["x"] for r in d], [1.0 if r["flag"] else 0.0 for r in d])
    wt = train_terms(d)
    for r in h:
        r["p"] = score(w, r["x"])
        r["q"] = score(wt, r["t"])

    deciders = [
        ("rules", lambda r: r["rule"]),
        (f"model > {a.model_threshold:g}", lambda r: r["p"] > a.model_threshold),
        (f"rules + model > {a.veto:g}", lambda r: r["rule"] and r["p"] > a.veto),
        (f"rules + terms > {a.terms:g}", lambda r: r["rule"] and r["q"] > a.terms),
    ]
    print("precision / recall")
    table(f"development part, {a.folds}-fold cross-validation", d, deciders)
    table("part set aside, model trained on the whole development part", h, deciders)

    if a.unseen:
        corpus = os.path.join(a.unseen, "corpus")
        for part in ("dev", "aside"):
            labels = read_labels(os.path.join(a.unseen, part + ".jsonl"))
            utexts = read_corpus(corpus, {i for i, _ in labels})
            print(f"public sets, {part} part: running the rules", file=sys.stderr)
            ualerts = rule_alerts(a.build, a.rules, [i for i, _ in labels], utexts)
            rows = [{"id": i, "flag": y, "lang": utexts[i][1], "rule": i in ualerts,
                     "p": score(w, features(utexts[i][0])),
                     "q": score(wt, term_features(ualerts.get(i, [])))} for i, y in labels]
            table(f"public sets (bench/unseen.py), {part} part, same model", rows, deciders)

    if a.curve:
        print("\nlearning curve: the model alone on the part set aside")
        ordered = sorted(d, key=lambda r: hashlib.sha1(r["id"].encode()).hexdigest())
        for frac in (0.25, 0.5, 0.75, 1.0):
            part = ordered[: int(len(ordered) * frac)]
            wf = train([r["x"] for r in part], [1.0 if r["flag"] else 0.0 for r in part])
            print(f"  {len(part):>5} labels  "
                  f"{figures(h, lambda r, wf=wf: score(wf, r['x']) > a.model_threshold)}")


if __name__ == "__main__":
    main()
