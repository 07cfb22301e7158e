"""Reading ../shared/corpora and eval/labels line by line, for the bench scripts.

A line that is not what it should be stops the script with its file and
line number; nothing is skipped silently.
"""

import json
import os
import sys


def corpus_records(corpus):
    """Every record of every .jsonl file in `corpus`, in file order: dicts with id and text."""
    names = sorted(n for n in os.listdir(corpus) if n.endswith(".jsonl"))
    if not names:
        sys.exit(f"{corpus}: no .jsonl files (is ../shared/corpora beside the checkout?)")
    for name in names:
        path = os.path.join(corpus, name)
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    x = json.loads(line)
                    x["id"], x["text"]
                except (ValueError, KeyError, TypeError) as e:
                    sys.exit(f"{path}:{n}: not a corpus line ({e})")
                yield x


def label_records(path):
    """Every line of a label file as (id, flagged)."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                y = json.loads(line)
                yield y["id"], bool(y["label"]["flagged"])
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}:{n}: not a label line ({e})")
