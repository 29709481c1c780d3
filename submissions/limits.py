"""The limits of a filing's documents (shared by the checks and the Romanian texts)."""

MAX_FILE_MB = 10
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
MAX_FILES = 10
#: The largest upload body the route reads (one file plus its form fields).
MAX_UPLOAD_BYTES = MAX_FILE_BYTES + 64 * 1024
