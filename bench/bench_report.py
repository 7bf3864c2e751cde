"""How fast `policytag report` pages open in headless Chromium: 5 reports against 500.

The five seed reports are tagged once; the 500-report input is their records copied 100
times under new doc ids. For each size the page is built (CPU seconds, size) and opened
in a fresh headless Chromium, small and large alternating (A, B, A, B ...), and the page's
own marks are read back from the DOM (``performance.now()``, ms after navigation start):

- ``before-data``: the HTML in front of the data block is parsed (header, overview, charts);
- ``ready``: the script has parsed the data and drawn what is open;
- ``load``: the load event is over;
- ``fcp``: Chromium's first-contentful-paint;
- ``painted``: two animation frames after the load event — the page drawn, everything run: the
  number that says how long the page takes to open.

Chromium is driven over the DevTools protocol on a pipe, so it can wait for ``painted`` (polled
every 10 ms, so a mark can be late by that much). The DOM size is printed beside them. Wall
clock on shared cores swings: compare the sizes by their ratio, measured in the same rounds.
Another page (an older report, say) can be opened in the same rounds with ``--also FILE``
(``load``, ``fcp`` and ``painted`` work for any page).

Run: .venv/bin/python bench/bench_report.py [--runs 5] [--seeds ../shared/seeds] [--also old.html]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

MARKS = ("before-data", "ready", "load", "fcp", "painted")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def tagged_records(seeds: Path) -> list[dict]:
    import policytag

    tagger = policytag.load()
    return [record for path in sorted(seeds.glob("*.txt")) for record in tagger.tag(path)]


def copies(records: list[dict], n: int) -> list[dict]:
    """The records of ``n`` reports: the seeds' records again and again under new doc ids."""
    docs = list(dict.fromkeys(r["doc_id"] for r in records))
    out = []
    for copy in range(n // len(docs)):
        for r in records:
            out.append({**r, "doc_id": f"{copy:04d}_{r['doc_id']}", "path": f"copy{copy:04d}/{r['path']}"})
    return out


def build(records: list[dict], folder: Path, name: str) -> tuple[Path, float]:
    """Write the tagged file and the page; CPU seconds of building the page (reading included)."""
    from policytag import report, stats
    from policytag.write import write_jsonl

    tagged = folder / f"{name}.jsonl"
    write_jsonl(records, tagged)
    page = folder / f"{name}.html"
    started = time.process_time()
    frame = stats.load_tagged([tagged])
    definitions = report.load_definitions(report.default_lexicon_path(None))
    report.write_report(frame, page, labels=["监督", "立法", "代表工作", "自身建设", "决定任免"],
                        definitions=definitions)
    return page, time.process_time() - started


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

    Unlike ``--dump-dom`` (which reads the page at its load event), this can wait for what comes
    after: the first frames drawn once the page's script is done.
    """

    def __init__(self, work: Path) -> None:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not chromium:
            raise SystemExit("chromium is not installed (apt-get install chromium)")
        profile = work / "profile"
        shutil.rmtree(profile, ignore_errors=True)
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        # the browser reads commands on fd 3 and writes replies on fd 4: the shell puts the pipes there
        self.proc = subprocess.Popen(
            ["sh", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}', chromium, *CHROMIUM_FLAGS,
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            pass_fds=(to_browser, from_browser), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self._id, self._buffer = 0, b""
        target = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]

    def call(self, method: str, session: str | None = None, **params: object) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", self.session, expression=expression, awaitPromise=True,
                           returnByValue=True)
        return result.get("result", {}).get("value")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        self.proc.wait(timeout=60)
        os.close(self._write)
        os.close(self._read)


# After the load event: two animation frames, i.e. the page as first drawn once everything ran.
PAINTED = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
MARKS_JS = """(() => { const root = document.documentElement, nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  return {"before-data": +root.getAttribute("data-before-data-ms") || null,
          "ready": +root.getAttribute("data-ready-ms") || null,
          "load": nav ? nav.loadEventEnd : null, "fcp": fcp ? fcp.startTime : null,
          "elements": document.getElementsByTagName("*").length}; })()"""


def open_page(page: Path, work: Path) -> dict[str, float]:
    """One fresh headless Chromium on ``page``: the page's marks (ms) and the DOM size."""
    browser = Browser(work)
    try:
        browser.call("Page.navigate", browser.session, url=page.as_uri())
        deadline = time.monotonic() + 240
        while browser.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise RuntimeError(f"{page}: not loaded after 240 s")
            time.sleep(0.01)
        out = dict(browser.evaluate(MARKS_JS))
        out["painted"] = browser.evaluate(PAINTED)
    finally:
        browser.close()
    return {k: v for k, v in out.items() if v is not None}


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=here.parents[1] / "shared" / "seeds")
    parser.add_argument("--runs", type=int, default=5, help="page openings per size (alternating)")
    parser.add_argument("--large", type=int, default=500, help="reports in the large input")
    parser.add_argument("--also", type=Path, default=None, help="another HTML page to open in the same rounds")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args()
    if not args.seeds.is_dir():
        raise SystemExit(f"seeds folder not found: {args.seeds} (pass --seeds DIR)")
    work = Path(tempfile.mkdtemp(prefix="bench_report_"))
    try:
        records = tagged_records(args.seeds)
        sizes = {"small": copies(records, 5), "large": copies(records, args.large)}
        pages = {}
        print(f"load: {os.getloadavg()[0]:.2f} (1-min average) at start")
        for name, recs in sizes.items():
            page, cpu = build(recs, work, name)
            pages[name] = page
            docs = len({r["doc_id"] for r in recs})
            print(f"{name}: {docs} reports, {len(recs)} paragraphs; page {page.stat().st_size / 1e6:.2f} MB, "
                  f"built in {cpu:.2f} CPU s")
        if args.also:
            pages["also"] = args.also
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in pages}
        for _ in range(args.runs):
            for name, page in pages.items():
                runs[name].append(open_page(page, work))
        print(f"load: {os.getloadavg()[0]:.2f} at end; medians of {args.runs} openings (ms after navigation start)")
        result = {}
        for name, values in runs.items():
            med = {k: statistics.median(v[k] for v in values if k in v) for k in values[0]}
            result[name] = {"median": med, "runs": values, "bytes": pages[name].stat().st_size}
            marks = "  ".join(f"{m} {med[m]:.0f}" for m in MARKS if m in med)
            print(f"  {name:5s}  {marks}  | {med['elements']:.0f} elements, {result[name]['bytes'] / 1e6:.2f} MB")
        small, large = result["small"]["median"], result["large"]["median"]
        print(f"painted: large / small {large['painted'] / small['painted']:.2f}x", end="")
        if "also" in result:
            print(f", other page / large {result['also']['median']['painted'] / large['painted']:.2f}x", end="")
        print()
        if args.out:
            args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
