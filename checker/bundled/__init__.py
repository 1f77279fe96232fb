"""Installed copies of the shipped rules/, policies/ and reports/ (filled in by the build)."""
