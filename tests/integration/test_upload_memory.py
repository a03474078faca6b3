"""What storing hostile uploads costs a worker in memory, measured in a process of its own.

Pillow's pixels are invisible to tracemalloc, so the figures are the growth of the process's peak
resident memory (VmHWM; ru_maxrss would start from the parent's, inherited at fork) and of its
resident memory once the pictures are stored: they don't depend on the machine's speed.
"""

import io
import subprocess
import sys

import pytest
from PIL import Image

from tests.conftest import PROJECT_ROOT

HOSTILE_SIZE = (7716, 5145)  # 39.7 megapixels, under the 40-megapixel limit
KEPT_MB = 40

# As a worker does: create_app pins the allocator, then each upload is stored on a pool thread.
STORE_TWICE = """
import sys, tempfile, threading
from pathlib import Path
from app.media.memory import large_allocations_returned
from app.media.storage import MediaStore
from app.media.uploads import store_upload

def status_kb(field):
    return int(Path("/proc/self/status").read_text().split(f"{field}:")[1].split()[0])

large_allocations_returned()
path = Path(sys.argv[1])
data = path.read_bytes()
before = status_kb("VmRSS")
stored = []
with tempfile.TemporaryDirectory() as root:
    for _ in range(2):  # the first raises glibc's threshold, the second would stay
        work = lambda: stored.append(store_upload(MediaStore(Path(root)), data, path.name))
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
print(stored[-1].width, (status_kb("VmHWM") - before) // 1024, (status_kb("VmRSS") - before) // 1024)
"""


@pytest.mark.parametrize(
    ("format", "peak_mb"),
    [
        # Decoded whole, its pixels take 151 MB; main peaked 456 MB higher (copies for the EXIF
        # turn and RGB); unpinned, the allocator kept 153 MB after two.
        ("PNG", 250),
        # Scaled down by the decoder, it never exists at full size; main peaked 457 MB higher.
        ("JPEG", 120),
    ],
)
def test_small_files_of_40_megapixels_are_stored_in_bounded_memory_that_goes_back(tmp_path, format, peak_mb):
    buffer = io.BytesIO()
    Image.new("RGB", HOSTILE_SIZE, (200, 120, 40)).save(buffer, format=format)
    path = tmp_path / f"hostile.{format.lower()}"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 2 * 1024 * 1024  # cheap to send
    done = subprocess.run(
        [sys.executable, "-c", STORE_TWICE, str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    width, grown_mb, kept_mb = map(int, done.stdout.split())
    assert width == 1600
    assert grown_mb < peak_mb
    assert kept_mb < KEPT_MB
