"""Pages made from our own text for the reader tests and the OCR benchmark (bench/bench_ocr.py).

Nothing here is real report text: the sentences below were written for these tests.
Images are drawn with Pillow in a CJK font (the packaged Noto Sans CJK, or any
font file given); PDFs with reportlab (a text layer in the non-embedded
STSong-Light CID font, or a page image for a "scan").
"""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

SENTENCES = [
    "一、过去一年的主要工作",
    "常委会坚持围绕中心依法履职，全年听取审议专项工作报告十二项，开展执法检查四次。",
    "组织专题询问两次，跟踪督办审议意见落实情况，推动解决一批群众关心的实际问题。",
    "二、加强代表工作",
    "完善代表联系群众制度，建成代表联络站三十六个，办理代表建议一百二十件，办复率达到百分之百。",
    "三、推进地方立法",
    "审议通过条例草案三件，批准单行条例两件，立法计划项目全部按期完成。",
    "四、加强自身建设",
    "常委会组成人员参加履职学习培训，机关作风建设持续加强，工作效率明显提高。",
    "五、今年的主要任务",
    "围绕全县经济社会发展大局，依法开展监督，支持代表依法履职，不断提高工作质量。",
]


def font_path() -> str:
    """The Noto Sans CJK collection that policytag depends on (noto-cjk-sans-otc)."""
    import noto_cjk_sans_otc

    return str(Path(noto_cjk_sans_otc.__file__).parent / "NotoSansCJK-Regular.ttc")


def wrap(text: str, width: int) -> list[str]:
    """Hard-wrap at ``width`` characters, as a printed page does."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def render_lines(lines: list[str], *, font: str | None = None, index: int = 2, size: int = 28,
                 width: int = 1240, margin: int = 80, leading: float = 1.6, columns: int = 1,
                 gutter: int = 60, angle: float = 0.0, noise: float = 0.0, blur: float = 0.0,
                 seed: int = 0):  # noqa: ANN201 - PIL.Image
    """A white page with ``lines`` set in ``columns`` columns (filled top to bottom, left to right).

    ``angle`` rotates the page (degrees), ``noise`` flips that share of pixels, ``blur`` is a
    Gaussian radius: what a scanner or a phone camera adds.
    """
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    face = ImageFont.truetype(font or font_path(), size, index=index)
    step = int(size * leading)
    per_column = math.ceil(len(lines) / columns)
    height = margin * 2 + step * per_column
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    column_width = (width - 2 * margin - (columns - 1) * gutter) // columns
    for i, line in enumerate(lines):
        col, k = divmod(i, per_column)
        draw.text((margin + col * (column_width + gutter), margin + k * step), line, font=face, fill=0)
    if angle:
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        import numpy as np

        rng = np.random.default_rng(seed)
        pixels = np.asarray(page).copy()
        flip = rng.random(pixels.shape) < noise
        pixels[flip] = 255 - pixels[flip]
        page = Image.fromarray(pixels)
    return page.convert("RGB")


def column_lines(width_chars: int, sentences: list[str] | None = None) -> list[str]:
    """The sentences hard-wrapped to ``width_chars``, headings on lines of their own."""
    out: list[str] = []
    for sentence in sentences or SENTENCES:
        out.extend(wrap(sentence, width_chars))
    return out


def image_bytes(image, fmt: str = "PNG", **save) -> bytes:  # noqa: ANN001
    buf = io.BytesIO()
    image.save(buf, format=fmt, **save)
    return buf.getvalue()


def pdf_of_images(images: list, dpi: int = 150) -> bytes:  # noqa: ANN001
    """A "scanned" PDF: each image fills a page of its size at ``dpi``; no text layer."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for image in images:
        w, h = image.size[0] * 72 / dpi, image.size[1] * 72 / dpi
        c.setPageSize((w, h))
        c.drawImage(ImageReader(image), 0, 0, w, h)
        c.showPage()
    c.save()
    return buf.getvalue()


def text_pdf(pages: list[list[tuple[float, float, str]]], size: float = 12) -> bytes:
    """A PDF with a text layer: each page a list of (x, y from the top, text), drawn in that order."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for items in pages:
        c.setFont("STSong-Light", size)
        for x, y, text in items:
            c.drawString(x, A4[1] - y, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def two_column_items(left: list[str], right: list[str], title: str | None = None,
                     size: float = 12) -> list[tuple[float, float, str]]:
    """A newspaper-like page drawn row by row across both columns (the order e-paper PDFs use)."""
    items: list[tuple[float, float, str]] = []
    top = 72.0
    if title:  # centred over both columns
        items.append((56 + (250 + size * max(map(len, left + right), default=0)) / 2 - size * len(title) / 2, top,
                      title))
        top += 2.5 * size
    for i in range(max(len(left), len(right))):
        y = top + i * size * 1.5
        if i < len(left):
            items.append((56, y, left[i]))
        if i < len(right):
            items.append((56 + 250, y, right[i]))
    return items


def edit_fonts(data: bytes, change) -> bytes:  # noqa: ANN001
    """Apply ``change(font_dict)`` to every font of every page (pypdf), e.g. to break its mapping."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        fonts = page["/Resources"].get("/Font", {})
        for key in fonts:
            change(fonts[key].get_object())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truetype_cjk_font() -> str | None:
    """A CJK font with TrueType outlines on this system (reportlab embeds only those), if any."""
    for path in ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc",
                 "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/arphic/ukai.ttc"):
        if Path(path).is_file():
            return path
    return None


def embedded_font_pdf(lines: list[str], font: str, size: float = 16) -> bytes:
    """A PDF whose text is drawn in an embedded TrueType subset of ``font`` (with a ToUnicode map)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("EmbeddedCJK", font, subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("EmbeddedCJK", size)
    for i, line in enumerate(lines):
        c.drawString(56, A4[1] - 80 - i * size * 1.6, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def char_error_rate(expected: str, got: str) -> float:
    """Levenshtein distance over characters (whitespace ignored) divided by the expected length."""
    a = "".join(expected.split())
    b = "".join(got.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(len(a), 1)


def shuffled(items: list, seed: int = 0) -> list:
    out = list(items)
    random.Random(seed).shuffle(out)
    return out
