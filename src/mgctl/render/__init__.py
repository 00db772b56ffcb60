"""platform.yaml -> files. Each generator returns a FileMap; `writer` puts it on disk atomically."""
