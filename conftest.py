"""Root pytest configuration (tests/ and the doctests of symtaylor/): the on-disk cache of
compiled modules (symtaylor.codegen.diskcache) points at a fresh temporary directory, so a test
run never reads or writes the user's cache in the home directory."""

import os
import tempfile

if "SYMTAYLOR_CACHE_DIR" not in os.environ:
    os.environ["SYMTAYLOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="symtaylor-test-cache-")
