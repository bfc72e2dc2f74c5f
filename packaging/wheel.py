"""Assembles pytrace's wheel from a published build folder (artifacts/pytrace): python3 wheel.py BUILD OUT_DIR.

The tags are chosen from the binaries themselves, see docs/packaging.md: the CPython versions the generator's
per-version layouts cover (cp38 to cp313, no ABI tag since it resolves the C API at run time) and the
manylinux level of the newest glibc symbol version the binaries need.
"""
import base64
import hashlib
import os
import re
import stat
import sys
import zipfile

PYTHONS = ["cp38", "cp39", "cp310", "cp311", "cp312", "cp313"]
# What manylinux allows a wheel's binaries to link; anything else would have to ship inside the wheel.
ALLOWED_LIBRARIES = {b"libc.so.6", b"libm.so.6", b"libpthread.so.0", b"libdl.so.2", b"librt.so.1", b"libgcc_s.so.1",
                     b"ld-linux-x86-64.so.2"}
EPOCH = (2026, 1, 1, 0, 0, 0)  # fixed entry times: the same build gives the same wheel


def version(package):
    text = open(os.path.join(package, "_version.py")).read()
    return re.search(r'VERSION = "([^"]+)"', text).group(1)


def glibc_level(binaries):
    """The newest GLIBC_2.N among the symbol versions the binaries need (their .dynstr names them)."""
    newest = 17  # manylinux2014, the oldest level pip still names
    for path in binaries:
        data = open(path, "rb").read()
        for minor in re.findall(rb"GLIBC_2\.(\d+)", data):
            newest = max(newest, int(minor))
        needed = set(re.findall(rb"\x00(lib[a-z0-9_+-]+\.so(?:\.\d+)*|ld-linux-x86-64\.so\.2)\x00", data))
        foreign = needed - ALLOWED_LIBRARIES - {os.path.basename(p).encode() for p in binaries}
        if foreign:
            raise SystemExit("wheel.py: %s needs %s, which manylinux does not allow" % (path, b", ".join(sorted(foreign)).decode()))
    return newest


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def main(build, out):
    package = os.path.join(build, "python", "pytrace")
    command = os.path.join(build, "pytrace")
    ver = version(package)
    binaries = [command, os.path.join(package, "_native.so"), os.path.join(package, "libe_sqlite3.so")]
    platform = "manylinux_2_%d_x86_64" % glibc_level(binaries)
    tag = "%s-none-%s" % (".".join(PYTHONS), platform)
    dist_info = "pytrace-%s.dist-info" % ver
    entries = []  # (name in the wheel, bytes, executable)
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            arcname = "pytrace/" + os.path.relpath(path, package).replace(os.sep, "/")
            entries.append((arcname, open(path, "rb").read(), name.endswith(".so")))
    entries.append(("pytrace-%s.data/scripts/pytrace" % ver, open(command, "rb").read(), True))
    readme = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")).read()
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        "Name: pytrace",
        "Version: %s" % ver,
        "Summary: Records every function call of a Python program - arguments, return value or exception, timing - "
        "into SQLite, and reads it in the terminal",
        "Requires-Python: >=3.8, <3.14",
        "Classifier: Programming Language :: Python :: Implementation :: CPython",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Topic :: Software Development :: Debuggers",
        "Description-Content-Type: text/markdown",
        "",
        readme,
    ])
    wheel = "\n".join(["Wheel-Version: 1.0", "Generator: pytrace packaging/wheel.py", "Root-Is-Purelib: false"]
                      + ["Tag: %s-none-%s" % (python, platform) for python in PYTHONS]) + "\n"
    entries.append((dist_info + "/METADATA", metadata.encode(), False))
    entries.append((dist_info + "/WHEEL", wheel.encode(), False))
    records = [record_line(name, data) for name, data, _ in entries] + [dist_info + "/RECORD,,"]
    entries.append((dist_info + "/RECORD", ("\n".join(records) + "\n").encode(), False))
    os.makedirs(out, exist_ok=True)
    target = os.path.join(out, "pytrace-%s-%s.whl" % (ver, tag))
    with zipfile.ZipFile(target + ".part", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, executable in entries:
            info = zipfile.ZipInfo(name, EPOCH)
            # pip keeps the executable bit only of entries marked as regular files.
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    os.replace(target + ".part", target)
    print(target)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python3 wheel.py BUILD_FOLDER OUT_DIR")
    main(sys.argv[1], sys.argv[2])
