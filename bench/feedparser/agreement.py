#!/usr/bin/python3
"""How often wijkwacht reads a feed as feedparser does.

Serves feedparser's well-formed test feeds (tests/wellformed of
kurtmckee/feedparser, a local copy) on loopback, reads every file with
Debian's python3-feedparser and with `wijkwacht poll`, and compares, for the
feeds in which feedparser finds entries: the number of entries, each entry's
link, and that each enclosure is among the post's media. Prints the agreement
per folder and every disagreement.

Usage: bench/feedparser/agreement.py CORPUS_DIR [--wijkwacht build/cli/wijkwacht]
       [--folders rss,atom,...] [--json]
CORPUS_DIR is feedparser's tests/wellformed (or a folder holding it).
"""

import argparse
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.parse

import feedparser

FOLDERS = ["rss", "atom", "atom10", "rdf", "base", "media-rss"]


HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a test file with the headers its comment names (`Header: Name: value`),
    as feedparser's own test server does; application/xml unless it names another."""

    def do_GET(self):
        path = self.translate_path(self.path)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            self.send_error(404)
            return
        headers = {k.strip(): v.strip() for k, v in
                   HEADER.findall(data.decode("utf-8", "replace"))}
        self.send_response(200)
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/xml"
        headers["Content-Length"] = str(len(data))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def serve(root):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wijkwacht_posts(tool, url, work):
    config = os.path.join(work, "poll.toml")
    with open(config, "w") as f:
        f.write(f'[daemon]\nstate_dir = "{work}/state"\nrules = ["{work}/rules"]\n'
                f'[[source]]\nname = "feed"\ntype = "feed"\nurl = "{url}"\n')
    run = subprocess.run([tool, "poll", "--config", config, "feed"],
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        return None, run.stderr.strip().splitlines()[-1:] or ["exit %d" % run.returncode]
    return [json.loads(line) for line in run.stdout.splitlines() if line.strip()], None


def compare(entries, posts):
    """None when they agree, else why not."""
    if len(entries) != len(posts):
        return f"{len(entries)} entries, wijkwacht {len(posts)}"
    for i, (entry, post) in enumerate(zip(entries, posts)):
        link = entry.get("link") or ""
        url = post.get("url") or ""
        if link != url:
            return f"entry {i}: link {link!r}, wijkwacht {url!r}"
        media = {m.get("url") for m in post.get("media", [])}
        for enclosure in entry.get("enclosures", []):
            href = enclosure.get("href") or ""
            if href and href not in media:
                return f"entry {i}: enclosure {href!r} not among media {sorted(media)!r}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--wijkwacht", default=os.path.join(
        os.path.dirname(__file__), "..", "..", "build", "cli", "wijkwacht"))
    parser.add_argument("--folders", default=",".join(FOLDERS))
    parser.add_argument("--json", action="store_true", help="figures as JSON")
    args = parser.parse_args()
    corpus = args.corpus
    if os.path.isdir(os.path.join(corpus, "tests", "wellformed")):
        corpus = os.path.join(corpus, "tests", "wellformed")
    elif os.path.isdir(os.path.join(corpus, "wellformed")):
        corpus = os.path.join(corpus, "wellformed")
    server = serve(corpus)
    port = server.server_address[1]
    results = {}
    disagreements = []
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(os.path.join(work, "rules"))
        for folder in args.folders.split(","):
            path = os.path.join(corpus, folder)
            if not os.path.isdir(path):
                sys.exit(f"{path}: no such folder")
            agree = total = 0
            for name in sorted(os.listdir(path)):
                if not name.endswith(".xml"):
                    continue
                url = f"http://127.0.0.1:{port}/{folder}/{urllib.parse.quote(name)}"
                try:
                    entries = feedparser.parse(url).entries
                except Exception as e:  # feedparser's own failures: not a reference
                    print(f"{folder}/{name}: feedparser fails ({type(e).__name__}), left out",
                          file=sys.stderr)
                    continue
                if not entries:
                    continue
                total += 1
                posts, error = wijkwacht_posts(args.wijkwacht, url, work)
                why = error[0] if error else compare(entries, posts)
                if why is None:
                    agree += 1
                else:
                    disagreements.append((f"{folder}/{name}", why))
            results[folder] = (agree, total)
    server.shutdown()
    agree = sum(a for a, _ in results.values())
    total = sum(t for _, t in results.values())
    if args.json:
        print(json.dumps({"folders": {f: {"agree": a, "feeds": t} for f, (a, t) in results.items()},
                          "agree": agree, "feeds": total,
                          "disagreements": [{"file": f, "why": w} for f, w in disagreements]}))
        return
    for file, why in disagreements:
        print(f"{file}: {why}")
    print()
    print(f"{'folder':<10} {'agree':>6} {'feeds':>6} {'share':>7}")
    for folder, (a, t) in results.items():
        print(f"{folder:<10} {a:>6} {t:>6} {a / t if t else 1:>7.1%}")
    print(f"{'all':<10} {agree:>6} {total:>6} {agree / total if total else 1:>7.1%}")


if __name__ == "__main__":
    main()
