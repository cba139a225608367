"""Project Atlas library: data model, I/O, validation, boundaries, join, statistics, exports, rendering, CLI."""
