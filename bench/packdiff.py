#!/usr/bin/env python3
"""What a change to the rule packs adds and removes on the corpus.

Runs `wijkwacht rules test --json` with two rule directories over every text
of ../shared/corpora that is not in the part set aside
(eval/labels/holdout.jsonl), and prints the posts that only one of them
flags, or that one flags with rules the other does not use. This is how a
pack change is reviewed while tuning: read what it adds and what it drops,
never the mistakes of the part set aside. The set-aside ids are read from
the label file on every run, so a post set aside in a later label round is
never shown.

Usage: bench/packdiff.py OLD_RULES [NEW_RULES] [--corpus DIR] [--labels FILE]
       [--build DIR] [--rule SUBSTRING] [--width N]

OLD_RULES is a rule directory (for instance a `git worktree` of an earlier
commit's rules/packs); NEW_RULES defaults to rules/packs. Lines start with
`+` (flagged by NEW only, or by more rules), `-` (flagged by OLD only), and
carry the corpus id, the rules and the start of the text.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile

from corpuslines import corpus_records, label_records

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def set_aside(labels):
    return {pid for pid, _ in label_records(labels)}


def write_posts(corpus, hold, out):
    texts = {}
    for x in corpus_records(corpus):
        pid, text = x["id"], x["text"]
        if pid in hold:
            continue
        texts[pid] = text
        post = {"source": pid.split(":")[0], "platform": "feed", "id": pid,
                "text": text, "lang": x.get("lang", "")}
        out.write(json.dumps(post, ensure_ascii=False) + "\n")
    return texts


def alerts(tool, rules, posts):
    r = subprocess.run([tool, "rules", "test", "--json", "--rules", rules, posts],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{tool} rules test --rules {rules}: exit {r.returncode}\n{r.stderr.strip()}")
    out = {}
    for line in r.stdout.splitlines():
        a = json.loads(line)
        out[a["post"]["id"]] = sorted({m["rule"] for m in a["matches"]})
    return out


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old", help="rule directory before the change")
    ap.add_argument("new", nargs="?", default=os.path.join(ROOT, "rules", "packs"),
                    help="rule directory after the change (default: rules/packs)")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--labels", default=os.path.join(ROOT, "eval", "labels", "holdout.jsonl"),
                    help="the part set aside, whose posts are never run or shown")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rule", default="", help="show only changes in rules whose id contains this")
    ap.add_argument("--width", type=int, default=160, help="characters of text per line")
    args = ap.parse_args()

    tool = os.path.join(args.build, "cli", "wijkwacht")
    if not os.access(tool, os.X_OK):
        sys.exit(f"{tool}: not built (run cmake --build {args.build})")
    hold = set_aside(args.labels)
    with tempfile.TemporaryDirectory() as tmp:
        posts = os.path.join(tmp, "posts.jsonl")
        with open(posts, "w", encoding="utf-8") as out:
            texts = write_posts(args.corpus, hold, out)
        before = alerts(tool, args.old, posts)
        after = alerts(tool, args.new, posts)

    added = [i for i in after if set(after[i]) - set(before.get(i, []))]
    gone = [i for i in before if i not in after]
    print(f"{len(texts)} texts outside the {len(hold)} set aside; "
          f"{len(before)} -> {len(after)} alerts; {len(added)} new or with more rules, {len(gone)} gone")
    for i in sorted(added):
        more = sorted(set(after[i]) - set(before.get(i, [])))
        if args.rule and not any(args.rule in r for r in more):
            continue
        print("+", i, ",".join(more), texts[i][:args.width].replace("\n", " "))
    for i in sorted(gone):
        if args.rule and not any(args.rule in r for r in before[i]):
            continue
        print("-", i, ",".join(before[i]), texts[i][:args.width].replace("\n", " "))


if __name__ == "__main__":
    main()
