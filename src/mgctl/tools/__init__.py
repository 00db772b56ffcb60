"""Finding and installing the external binaries mgctl drives (helm, kubectl)."""
