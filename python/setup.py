"""pip install ./python: the hangar package, with its extension module built by CMake.

Builds hangar._hangar from the C++ tree one folder up (CMake, Ninja and the Debian packages
that scripts/setup.sh installs), and installs it with the pure-Python files of hangar/. Works
offline with Debian's pip and setuptools, e.g. in a venv made with --system-site-packages
(for numpy and torch):

    python3 -m venv --system-site-packages venv
    venv/bin/pip install ./python

HANGAR_CMAKE_BUILD_DIR=DIR reuses a configured CMake build folder (such as build/ after
scripts/test.sh) instead of configuring a new one; HANGAR_JOBS sets the parallel build jobs.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = pathlib.Path(__file__).resolve().parent.parent


def version() -> str:
    cmake = (SOURCE / "CMakeLists.txt").read_text()
    return re.search(r"project\(hangar VERSION ([0-9.]+)", cmake).group(1)


class CMakeBuild(build_ext):
    """Builds the one extension with CMake and copies it where setuptools expects it."""

    def build_extension(self, ext: Extension) -> None:
        reuse = os.environ.get("HANGAR_CMAKE_BUILD_DIR")
        build = pathlib.Path(reuse or pathlib.Path(self.build_temp).resolve() / "cmake")
        jobs = os.environ.get("HANGAR_JOBS", "2")
        if not reuse or not (build / "CMakeCache.txt").exists():
            subprocess.check_call([
                "cmake", "-S", str(SOURCE), "-B", str(build), "-G", "Ninja",
                "-DCMAKE_BUILD_TYPE=Release", f"-DPython_EXECUTABLE={sys.executable}",
                "-DHANGAR_BUILD_TESTS=OFF", "-DHANGAR_BUILD_BENCH=OFF",
                "-DHANGAR_BUILD_EXAMPLES=OFF"])
        subprocess.check_call(["cmake", "--build", str(build), "--target", "_hangar", "-j", jobs])
        built = sorted((build / "python" / "hangar").glob("_hangar*.so"))
        if not built:
            raise RuntimeError(f"CMake built no _hangar*.so in {build / 'python' / 'hangar'}")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


setup(
    name="hangar",
    version=version(),
    description="Version control for numeric tensor datasets (C++ core, NumPy and PyTorch API)",
    packages=["hangar"],
    package_data={"hangar": ["*.pyi", "py.typed"]},
    ext_modules=[Extension("hangar._hangar", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy"],
    extras_require={"torch": ["torch"]},
    zip_safe=False,
)
