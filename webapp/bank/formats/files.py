"""Reading an uploaded file without letting it harm us: XML with entities, DTDs and the network off, and zip
packages within limits, their entries' paths checked. A file that breaks a rule is a Problem naming it.

The limits (issue 16): a file or package of at most 50 MB, at most 5,000 entries, at most 200 MB once
unpacked, and at most 5,000 items. The unpacked size is the entries' declared sizes: Python's zipfile never
inflates an entry past its declared size, so a zip bomb is refused before anything is inflated."""
from __future__ import annotations

import io
import posixpath
import zipfile

from flask_babel import gettext as _
from lxml import etree

from webapp.bank.interchange import Problem

MAX_FILE_MB = 50
MAX_ENTRIES = 5_000
MAX_UNPACKED_MB = 200
MAX_ITEMS = 5_000
MB = 1024 * 1024


class Refused(Exception):
    """The file cannot be read; `problem` says which and why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _parser() -> etree.XMLParser:
    # No entity is expanded, no DTD loaded, nothing fetched, no tree past libxml2's default limits.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def too_large(name: str, data: bytes) -> Problem | None:
    if len(data) > MAX_FILE_MB * MB:
        return Problem(name, _("The file is larger than %(limit)s MB.", limit=MAX_FILE_MB))
    return None


def parse_xml(name: str, data: bytes) -> etree._Element:
    """The root element of a well-formed XML file that declares no entities; Refused otherwise."""
    try:
        tree = etree.parse(io.BytesIO(data), _parser())
    except etree.XMLSyntaxError as error:
        raise Refused(Problem(name, _("The file is not well-formed XML (line %(line)s): %(error)s",
                                      line=error.lineno, error=error.msg))) from None
    dtd = tree.docinfo.internalDTD
    # Entities are never expanded, but a file that declares some (a "billion laughs", an outside file) is
    # refused outright rather than imported with holes in its text.
    if dtd is not None and any(True for _entity in dtd.iterentities()):
        raise Refused(Problem(name, _("The file declares XML entities, which are refused for safety.")))
    return tree.getroot()


class Package:
    """A zip file's entries, checked against the limits before any is read."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        if problem := too_large(name, data):
            raise Refused(problem)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            raise Refused(Problem(name, _("The file is not a zip file, or the zip file is damaged."))) from None
        if len(infos) > MAX_ENTRIES:
            raise Refused(Problem(name, _("The package holds more than %(limit)s files.", limit=MAX_ENTRIES)))
        if sum(info.file_size for info in infos) > MAX_UNPACKED_MB * MB:
            raise Refused(Problem(name, _("The package's files take more than %(limit)s MB unpacked.",
                                          limit=MAX_UNPACKED_MB)))
        self._entries: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            path = info.filename
            # Nothing is written to disk, yet a path leaving the package ("zip slip") is a forged package.
            if (path.startswith("/") or "\\" in path or ":" in path.split("/")[0]
                    or ".." in path.split("/")):
                raise Refused(Problem(f"{name}: {path}", _("The entry's path leads outside the package.")))
            if not info.is_dir():
                self._entries[path] = info

    def __contains__(self, path: str) -> bool:
        return path in self._entries

    def read(self, path: str) -> bytes:
        info = self._entries[path]
        if info.flag_bits & 0x1:
            raise Refused(Problem(self.where(path), _("The entry is encrypted.")))
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, OSError):
            raise Refused(Problem(self.where(path), _("The entry is damaged and cannot be unpacked."))) from None

    def where(self, path: str) -> str:
        """How a problem names an entry: the package and the path inside it."""
        return f"{self.name}: {path}"


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def zip_names(data: bytes) -> list[str]:
    """The entries' names of a zip file (for detection), or none when it is no readable zip."""
    try:
        return zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return []


def resolve(base: str, href: str) -> str | None:
    """The package path an href in the file at `base` points to, or None when it points outside the
    package (a URL, an absolute path, too many "..")."""
    if not href or "://" in href or href.startswith(("/", "data:", "#")) or ":" in href.split("/")[0]:
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(base), href.split("#")[0].split("?")[0]))
    return None if path.startswith("..") or path == "." else path
