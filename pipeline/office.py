"""Word 97 (.doc), Kingsoft WPS (.wps) and RTF files.

- **.doc / .wps** (OLE2 compound files, ``D0 CF 11 E0``): no maintained Python
  library reads Word's binary format, so LibreOffice converts them headless to
  .docx (``soffice --headless --convert-to docx``), which is then read exactly
  like a .docx (paragraphs and tables in order). Without LibreOffice the file
  fails with one line naming the Debian package to install.
- **.rtf** (``{\\rtf``): ``striprtf`` turns RTF into text in Python (code pages
  from ``\\ansicpg``/``\\fcharset``, ``\\uN`` escapes), no system package needed;
  table cells are joined by a tab, a row per line, as for .docx.

The content decides, not the name: a ".doc" that is really RTF, a .docx or an
HTML page saved by Word is read as what it is (``sniff``).
"""

from __future__ import annotations

import atexit
import codecs
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from .errors import InputError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF = b"{\\rtf"
LIBREOFFICE_PACKAGE = "libreoffice-writer-nogui"
INSTALL = (f"install LibreOffice (Debian/Ubuntu: apt-get install {LIBREOFFICE_PACKAGE}; "
           "elsewhere: libreoffice.org) so that soffice is on PATH")
# An encrypted OOXML file is an OLE2 file holding this stream (its directory names are UTF-16).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_LOCK = threading.Lock()  # one conversion at a time per LibreOffice profile
_PROFILE: list[Path] = []


def sniff(data: bytes) -> str | None:
    """``ole2`` or ``rtf`` from the first bytes, else None."""
    if data.startswith(OLE2):
        return "ole2"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == RTF:
        return "rtf"
    return None


def soffice() -> str | None:
    """The LibreOffice program, if installed (``POLICYTAG_SOFFICE`` names another one)."""
    configured = os.environ.get("POLICYTAG_SOFFICE")
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile() -> Path:
    """A LibreOffice user profile of this process: two processes sharing one would block each other."""
    if not _PROFILE:
        path = Path(tempfile.mkdtemp(prefix="policytag-lo-"))
        _PROFILE.append(path)
        atexit.register(shutil.rmtree, path, True)
    return _PROFILE[0]


def to_docx(data: bytes, source: str, kind: str, timeout: float) -> bytes:
    """Convert a Word 97/WPS file to .docx bytes with LibreOffice (one line of error otherwise)."""
    if _ENCRYPTED_PACKAGE in data[:65536] or _ENCRYPTED_PACKAGE in data[-65536:]:
        raise InputError(source, "encrypted (password-protected) Office file; save it without a password first")
    program = soffice()
    if program is None:
        raise InputError(source, f"reading {kind} files needs LibreOffice: {INSTALL}")
    with _LOCK, tempfile.TemporaryDirectory(prefix="policytag-convert-") as tmp:
        src = Path(tmp) / f"input{_suffix(kind)}"
        src.write_bytes(data)
        out_dir = Path(tmp) / "out"
        cmd = [program, f"-env:UserInstallation={_profile().as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(src)]
        detail = _run(cmd, source, timeout, kind)
        result = out_dir / "input.docx"
        if not result.is_file():
            raise InputError(source, f"LibreOffice could not convert this {kind} file (corrupt, encrypted or "
                                     f"not a word-processor file?){': ' + detail if detail else ''}")
        return result.read_bytes()


def _suffix(kind: str) -> str:
    return ".wps" if "wps" in kind.lower() else ".doc"


def _run(cmd: list[str], source: str, timeout: float, kind: str) -> str:
    """Run LibreOffice in its own process group, killed whole on time-out; returns its last error line."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
    except OSError as exc:
        raise InputError(source, f"cannot start LibreOffice ({cmd[0]}): {exc.strerror or exc}") from None
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise InputError(source, f"LibreOffice did not finish converting this {kind} file within {timeout:.0f} s "
                                 "(read.office_timeout)") from None
    lines = [ln for ln in err.decode("utf-8", "replace").splitlines()
             if ln.strip() and "javaldx" not in ln and not ln.startswith("Warning:")]
    return lines[-1].strip() if lines else ""


# ---------------------------------------------------------------------------- RTF
_CELL = re.compile(rb"\\(?:nest)?cell(?![A-Za-z])\s?")
_ANSICPG = re.compile(rb"\\ansicpg(\d+)")
_PICTURE = re.compile(rb"\{(?:\\\*)?\\(?:pict|shppict|nonshppict|object|objdata|themedata|datastore)(?![A-Za-z])")
_BRACE = re.compile(rb"(?<!\\)[{}]")


def _drop_pictures(data: bytes) -> bytes:
    """Remove picture and object groups: megabytes of hex that carry no text (a linear scan)."""
    out, pos = [], 0
    for found in _PICTURE.finditer(data):
        if found.start() < pos:
            continue
        out.append(data[pos : found.start()])
        depth, end = 0, len(data)
        for brace in _BRACE.finditer(data, found.start()):
            depth += 1 if brace.group() == b"{" else -1
            if depth == 0:
                end = brace.end()
                break
        pos = end
    out.append(data[pos:])
    return b"".join(out)


def read_rtf(data: bytes, source: str) -> str:
    """Text of an RTF file, one line per paragraph, table cells joined by a tab."""
    from striprtf.striprtf import rtf_to_text

    # Cells become tabs before striprtf sees them (it would write "|"); a "\\\\cell" in text is
    # an escaped backslash followed by letters, which the lookbehind leaves alone.
    data = re.sub(rb"(?<!\\)" + _CELL.pattern, rb"\\tab ", _drop_pictures(data))
    found = _ANSICPG.search(data[:4096])
    codepage = f"cp{int(found.group(1))}" if found else "cp1252"
    try:
        codecs.lookup(codepage)
    except LookupError:
        codepage = "cp1252"
    try:
        text = rtf_to_text(data.decode("latin-1"), encoding=codepage, errors="replace")
    except Exception as exc:  # striprtf raises assorted errors on damaged files
        raise InputError(source, f"not a readable RTF file (truncated or corrupt?): {type(exc).__name__}: {exc}") \
            from None
    # \\uN escapes give UTF-16 halves for characters outside the BMP: pair them up
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    lines = [line.rstrip("\t ") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")
