"""Writes that survive a power cut: a rename is durable only once its folder is synced."""
import os


def fsync_dir(path):
    """Flush a folder's entries (new names, renames) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root):
    """Flush every file under `root`, then every folder from the deepest up to `root` itself, so
    that a package is on disk whole before it is renamed into place and declared done."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for folder, _dirs, _files in os.walk(root, topdown=False):
        fsync_dir(folder)
