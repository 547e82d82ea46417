"""Writes that survive a power cut: a rename is durable only once its folder is synced."""
import os


def fsync_dir(path):
    """Flush a folder's entries (new names, renames) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
