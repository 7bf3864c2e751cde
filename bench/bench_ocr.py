"""OCR accuracy and speed on pages rendered from our own text (needs ``pip install 'policytag[ocr]'``).

    .venv/bin/python bench/bench_ocr.py                 # ~10 A4 pages, ~1-2 min of CPU
    .venv/bin/python bench/bench_ocr.py --threads 2     # onnxruntime threads per model

Every page is drawn by Pillow from the sentences below (written for this benchmark, not
taken from real reports) at 150 dpi on A4, in several fonts and sizes, some turned by a
degree with speckle noise, blur or JPEG artefacts, one set in two columns, one wrapped in a
PDF as a scan. Each goes through ``policytag.read`` as a user's file would (OCR, reading
order, normalization). Reported per page: character error rate (edit distance / expected
characters, whitespace ignored) of the raw OCR text and of the normalized text (OpenCC
t2s folds the odd traditional form the recognizer returns), CPU seconds and wall seconds.
Fonts other than the packaged Noto Sans CJK are used when installed (Debian:
fonts-wqy-zenhei fonts-arphic-uming fonts-arphic-ukai); missing ones are listed as skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pages import char_error_rate, font_path, image_bytes, pdf_of_images, render_lines, wrap  # noqa: E402

TEXT = [
    "一、过去一年的主要工作",
    "一年来，常委会在县委领导下，紧扣全县中心工作，依法行使各项职权，较好完成了县人民代表大会确定的任务。",
    "全年召开常委会会议九次，主任会议十五次，听取审议专项工作报告十二项，作出决议决定六项。",
    "围绕优化营商环境，组织部分委员和代表深入企业走访调研，梳理问题清单，督促有关部门限期办理。",
    "开展食品安全法、水污染防治法执法检查，实地检查农贸市场和污水处理厂二十余处，提出整改建议十八条。",
    "听取审议县人民政府关于预算执行情况的报告，推进预算联网监督，重点关注民生支出和政府债务管理。",
    "二、支持和保障代表依法履职",
    "健全常委会组成人员联系代表制度，全年走访代表一百四十人次，邀请代表列席常委会会议六十三人次。",
    "依托乡镇代表联络站开展进站接待活动，收集群众意见建议二百一十条，已办结一百九十六条。",
    "加强代表建议督办，实行重点建议由主任会议成员领衔督办，代表对办理结果满意率明显提高。",
    "三、推进立法相关工作",
    "认真完成上级人大委托的立法调研任务，组织召开座谈会八次，报送修改意见三十余条。",
    "四、加强常委会自身建设",
    "坚持把学习作为履职的基础，举办常委会组成人员培训班两期，机关干部业务能力不断提高。",
    "严格落实中央八项规定精神，改进会风文风，精简会议文件，提高会议质量和工作效率。",
    "五、今年的主要任务",
    "今年是全面落实十四五规划的关键之年，常委会将坚持正确政治方向，依法履行监督职责。",
    "要紧盯乡村振兴、生态保护、教育医疗等重点领域，综合运用听取报告、执法检查、专题询问等方式。",
    "要进一步密切同人大代表和人民群众的联系，拓宽代表参与常委会工作的渠道，提升代表履职实效。",
]
MARGIN = 80
WIDTH = 1240  # A4 at 150 dpi
LINES_PER_PAGE = 30


def page_lines(size: int, columns: int = 1, gutter: int = 60) -> list[str]:
    """The text hard-wrapped to the width a line of ``size``-pixel characters has on the page."""
    usable = (WIDTH - 2 * MARGIN - (columns - 1) * gutter) // columns
    per_line = usable // size - 1
    out: list[str] = []
    for sentence in TEXT:
        out.extend(wrap(sentence, per_line))
    return out[: LINES_PER_PAGE * columns]


def fonts() -> dict[str, tuple[str, int]]:
    found = {"Noto Sans CJK SC": (font_path(), 2)}
    for name, path, index in (("WenQuanYi Zen Hei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
                              ("AR PL UMing CN (Song)", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
                              ("AR PL UKai CN (Kai)", "/usr/share/fonts/truetype/arphic/ukai.ttc", 0)):
        if Path(path).is_file():
            found[name] = (path, index)
    return found


def cases() -> list[dict]:
    """Page descriptions: font, size in pixels at 150 dpi (22 px = 10.5 pt, 25 = 12 pt, 33 = 16 pt), damage."""
    available = fonts()
    out = []

    def add(label: str, font: str, size: int, **kw) -> None:  # noqa: ANN003
        if font in available:
            out.append({"label": label, "font": font, "size": size, **kw})
        else:
            out.append({"label": label, "font": font, "skip": "font not installed"})

    add("Noto Sans SC 12 pt", "Noto Sans CJK SC", 25)
    add("Noto Sans SC 10.5 pt", "Noto Sans CJK SC", 22)
    add("Noto Sans SC 16 pt", "Noto Sans CJK SC", 33)
    add("WenQuanYi Zen Hei 12 pt", "WenQuanYi Zen Hei", 25)
    add("AR PL UMing (Song) 12 pt", "AR PL UMing CN (Song)", 25)
    add("AR PL UKai (Kai) 12 pt", "AR PL UKai CN (Kai)", 25)
    add("Noto 12 pt, turned 1°, 1% speckle, blur", "Noto Sans CJK SC", 25, angle=1.0, noise=0.01, blur=0.6)
    add("UMing 10.5 pt, turned -0.7°, 2% speckle, JPEG q70", "AR PL UMing CN (Song)", 22, angle=-0.7,
        noise=0.02, jpeg=70)
    add("Noto 10.5 pt, two columns", "Noto Sans CJK SC", 22, columns=2)
    add("Noto 12 pt scan in a PDF (rendered at 200 dpi)", "Noto Sans CJK SC", 25, pdf=True)
    return out


def run_case(case: dict, config: dict) -> dict:
    from policytag.read import read_bytes

    path, index = fonts()[case["font"]]
    columns = case.get("columns", 1)
    lines = page_lines(case["size"], columns)
    image = render_lines(lines, font=path, index=index, size=case["size"], width=WIDTH, margin=MARGIN,
                         columns=columns, angle=case.get("angle", 0.0), noise=case.get("noise", 0.0),
                         blur=case.get("blur", 0.0), seed=len(case["label"]))
    if case.get("pdf"):
        data, name = pdf_of_images([image], dpi=150), "scan.pdf"
    elif case.get("jpeg"):
        data, name = image_bytes(image, "JPEG", quality=case["jpeg"]), "photo.jpg"
    else:
        data, name = image_bytes(image), "page.png"
    expected = "".join(lines)  # columns are filled top to bottom, left to right: reading order
    cpu, wall = time.process_time(), time.perf_counter()
    doc = read_bytes(data, name, config)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"label": case["label"], "chars": len(expected), "cer_raw": char_error_rate(expected, doc.raw),
            "cer_norm": char_error_rate(expected, doc.norm.text), "cpu_s": cpu, "wall_s": wall,
            "confidence": statistics.fmean(c for _, _, c in doc.ocr) if doc.ocr else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads per model (read.ocr_threads)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ocr.json"))
    args = parser.parse_args()
    from policytag import ocr
    from policytag.config import load_config

    if not ocr.available():
        print("bench_ocr: the OCR extra is not installed: pip install 'policytag[ocr]'", file=sys.stderr)
        return 2
    config = load_config(None, {"read.ocr_threads": args.threads})
    load_before = os.getloadavg()
    started = time.process_time()
    ocr.engine(args.threads)(render_lines(["预热"], width=200))  # load the models once, outside the timings
    warmup = time.process_time() - started
    rows = []
    for case in cases():
        if "skip" in case:
            print(f"{case['label']:<52} skipped: {case['skip']}")
            continue
        row = run_case(case, config)
        rows.append(row)
        print(f"{row['label']:<52} CER raw {row['cer_raw']:6.2%}  normalized {row['cer_norm']:6.2%}  "
              f"{row['chars']:5d} chars  CPU {row['cpu_s']:5.2f} s  wall {row['wall_s']:5.2f} s")
    cpu = sum(r["cpu_s"] for r in rows)
    chars = sum(r["chars"] for r in rows)
    summary = {
        "pages": len(rows), "threads": args.threads, "model_load_cpu_s": warmup,
        "cer_raw": sum(r["cer_raw"] * r["chars"] for r in rows) / chars,
        "cer_norm": sum(r["cer_norm"] * r["chars"] for r in rows) / chars,
        "cpu_s_per_page": cpu / len(rows), "pages_per_cpu_s": len(rows) / cpu,
        "wall_s_per_page": sum(r["wall_s"] for r in rows) / len(rows),
        "load_before": load_before, "load_after": os.getloadavg(),
    }
    print(f"\n{len(rows)} pages: CER {summary['cer_raw']:.2%} raw, {summary['cer_norm']:.2%} normalized "
          f"(weighted by characters); {summary['cpu_s_per_page']:.2f} CPU s/page = "
          f"{summary['pages_per_cpu_s']:.2f} pages per CPU second ({args.threads} thread(s)); "
          f"wall {summary['wall_s_per_page']:.2f} s/page; load {load_before[0]:.1f} -> {summary['load_after'][0]:.1f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"summary": summary, "pages": rows}, ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
