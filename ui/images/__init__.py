"""Showing images: background decoding, the picture cache, thumbnails."""
